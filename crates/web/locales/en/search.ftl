# English: search.

search-title = Search
nav-search = Search
search-words = Words
search-help = Names and titles are found by a part of a Korean word (철수), its initial consonants (ㄱㅊ) or the beginning of a word (chol); every word must match.
search-submit = Search
search-nothing = Nothing found that you may see.
search-people = People
search-units = Units
search-experiences = Experience
search-decisions = Decisions
