# 한국어: 검색.

search-title = 검색
nav-search = 검색
search-words = 검색어
search-help = 이름과 제목은 한국어 단어의 일부(철수), 초성(ㄱㅊ), 단어의 앞부분(chol)으로 찾을 수 있어요. 모든 단어가 맞아야 해요.
search-submit = 검색
search-nothing = 볼 수 있는 결과가 없어요.
search-people = 성원
search-units = 단위
search-experiences = 경험
search-decisions = 결정
