# 한국어: 경험 자료실.

experiences-title = 경험
nav-experiences = 경험
experiences-library = 경험 자료실
experiences-browse-here = 이 단위와 산하 단위의 경험
experiences-counts = 이 단위와 산하 단위: 작성 { $written }건 · 도입 { $applied }건
experiences-suggested = 뒤떨어진 목표를 위한 경험
experiences-model-unit = 모범 단위
experiences-applied-by = { $count ->
    [0] 아직 도입한 단위 없음
   *[other] { $count }개 단위에서 도입
}
experiences-own = 이 단위가 쓴 경험
experiences-write = 경험 작성
experiences-write-submit = 발행
experiences-body = 경험 내용 (Markdown)
experiences-category = 계획 부문
experiences-no-category = 없음
experiences-any-category = 전체
experiences-tags = 태그 (쉼표로 구분)
experiences-tag = 태그
experiences-target-number = 경험이 나온 목표 (번호)
experiences-decision-number = 집행한 결정 (번호)
experiences-source = 경험의 출처
experiences-source-none = 그 밖의 출처 없음
experiences-source-incident = 종결된 사고
experiences-source-welfare-case = 해결된 생활 문제
experiences-source-number = 번호
experiences-learnt-from-incident = 종결된 사고에서 얻은 경험
experiences-learnt-from-welfare-case = 해결된 생활 문제에서 얻은 경험
experiences-search = 검색어
experiences-search-submit = 검색
experiences-none = 해당하는 경험이 없어요.
experiences-apply-unit = 도입 단위
experiences-apply-note = 도입 방법
experiences-apply = 도입 기록
flash-experience-written = 경험을 발행했어요.
flash-experience-applied = 기록했어요.
