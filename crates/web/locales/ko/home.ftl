# 한국어: 성원의 첫 화면.

home-greeting = { $name }님, 환영해요
home-unit-plans = 우리 단위의 계획
home-no-plans = 우리 단위에는 현재 계획이 없어요.
home-yours = 내 담당
home-your-targets = 내가 실행 보고하는 목표
home-report-due = 실행 보고 기한 도래
home-meetings = 내 회의
home-no-meetings = 초대받은 회의가 없어요.
home-meeting-held = 진행됨
home-calendar = 캘린더 구독 주소
home-calendar-new = 이 주소를 캘린더 앱에 추가하세요. 지금만 표시돼요. 이 주소를 가진 사람은 누구나 내 회의를 볼 수 있으니 혼자만 간직하세요. 주소가 새어 나가면 새 주소를 만드세요.
home-calendar-since = { $day }부터 캘린더를 구독하고 있어요.
home-calendar-create = 캘린더 앱에서 구독
home-calendar-replace = 새 구독 주소 발급
home-calendar-revoke = 구독 종료
home-decisions = 우리 단위에 하달된 결정
home-no-decisions = 우리 단위에 하달된 결정이 없어요.
home-bulletins = 우리 단위에 온 회보
home-no-bulletins = 우리 단위에 온 회보가 없어요.
home-commendations = 내 표창
flash-calendar-revoked = 캘린더 구독을 종료했어요. 이제 그 주소는 작동하지 않아요.
