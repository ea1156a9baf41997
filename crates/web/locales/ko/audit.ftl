# 한국어: 감사 기록.

audit-title = 감사 기록
audit-filter = 필터
audit-actor = 수행자
audit-unit = 단위 (산하 포함)
audit-action = 작업 (앞부분 일치)
audit-from = 시작일
audit-to = 종료일
audit-apply = 적용
audit-at = 일시
audit-entity = 기록
audit-request = 요청
audit-none = 해당하는 항목이 없어요.
audit-older = 이전 항목
