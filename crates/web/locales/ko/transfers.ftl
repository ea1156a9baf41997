# 한국어: 이동.

state-pending = 대기 중
state-acknowledged = 접수됨
state-expired = 만료됨
state-cancelled = 취소됨
transfers-title = 이동
transfers-incoming = 전입
transfers-outgoing = 전출
transfers-none = 대기 중인 이동이 없어요.
transfers-from = { $unit }에서
transfers-to = { JOSA($unit, "으로") }
transfers-expires = { $date } 만료
transfers-acknowledge = 접수
transfers-cancel = 취소
transfers-issue = 다른 단위로 이동
transfers-to-unit = 받는 단위 (번호)
transfers-issue-submit = 이동 처리
transfers-history = 이동 이력
flash-transfer-issued = 이동을 처리했어요. 받는 단위의 접수를 기다리고 있어요.
flash-transfer-acknowledged = 이동을 접수했어요. 이제 이 성원은 이 단위 소속이에요.
flash-transfer-cancelled = 이동을 취소했어요.
