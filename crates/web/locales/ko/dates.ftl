# 한국어: 조직 달력 기원에 따른 날짜.

month-1 = 1월
month-2 = 2월
month-3 = 3월
month-4 = 4월
month-5 = 5월
month-6 = 6월
month-7 = 7월
month-8 = 8월
month-9 = 9월
month-10 = 10월
month-11 = 11월
month-12 = 12월
date-gregorian = { $year }년 { $month_number }월 { $day }일
date-juche = 주체{ $era_year }({ $year })년 { $month_number }월 { $day }일
date-minguo = 民國{ $era_year }年{ $month_number }月{ $day }日
date-minguo-before = 民國前{ $era_year }年{ $month_number }月{ $day }日
