# 한국어: 직책과 공석.

positions-lead = 지도 간부 3인
lead-party = 당
lead-administrative = 행정
lead-technical = 기술
positions-vacant = 공석
positions-new = 신임
positions-long = 장기 재임
positions-since = { $date }부터
positions-current = 현재 직책
positions-none = 맡은 직책이 없어요.
positions-past = 이전 임기
positions-until = { $date }까지
positions-end = 임기 종료
positions-assign = 임명
positions-type = 직책
positions-person = 성원
positions-started = 시작일
positions-assign-submit = 임명
positions-vacancies = 하위 단위의 지도 직책 공석
positions-no-vacancies = 이 단위 아래에는 비어 있는 지도 직책이 없어요.
positions-of-person = 직책
flash-position-assigned = 임명을 기록했어요.
flash-position-ended = 임기를 종료했어요.
