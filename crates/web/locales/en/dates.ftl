# English: dates in the organization's calendar era.

month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
date-gregorian = { $day } { $month } { $year }
date-juche = { $day } { $month } Juche { $era_year } ({ $year })
date-minguo = 民國{ $era_year }年{ $month_number }月{ $day }日
date-minguo-before = 民國前{ $era_year }年{ $month_number }月{ $day }日
