# 한국어: 기술과 인재.

skills-title = 기술 목록
skills-skill = 기술
skills-any = 모든 기술
skills-talents = 기술 역량과 인재
skills-no-talents = 이 단위와 산하 단위에 기록된 기술이 없어요.
skills-people = { $count }명
skills-name = 이름
skills-category = 부문
skills-create = 기술 추가
skills-create-submit = 기술 추가
skills-none = 목록이 비어 있어요.
skills-of-person = 기술
skills-level = 급수
skills-certified-until = 자격 유효 기한
skills-expired = 자격 만료
skills-expiring = 자격 곧 만료
skills-valid = 자격 유효
skills-set = 기술 기록
skills-set-submit = 기술 저장
skills-remove = 삭제
flash-skill-created = 기술을 목록에 추가했어요.
flash-skill-saved = 기술을 저장했어요.
flash-skill-removed = 기술을 삭제했어요.
