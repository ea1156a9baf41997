# 한국어: 결정.

decisions-title = 결정
decisions-none = 이 단위에 하달된 결정이 없어요.
decisions-issued = 이 단위가 내린 결정
decision-issue = 하위 단위에 결정 하달
decision-title = 제목
decision-source = 출처
decision-source-congress = 대회
decision-source-plenary-meeting = 전원회의
decision-source-committee-meeting = 위원회 회의
decision-source-other = 기타
decision-issued-on = 날짜
decision-levels = 하달할 급 (선택하지 않으면 모든 하위 단위)
decision-body = 본문 (Markdown)
decision-issue-submit = 하달
decision-adopt = 채택
decision-adopted = 채택됨
decision-awaiting = 채택 대기
decision-adoption = 채택 현황
decision-adopted-of = 채택 단위
decision-unit = 단위
decision-addressed = 하달 대상
decision-not-adopted = 미채택
flash-decision-issued = 결정을 하달했어요.
flash-decision-adopted = 결정을 채택했어요.
