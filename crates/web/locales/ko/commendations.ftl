# 한국어: 표창과 모범 단위.

commendation-confer = 표창 수여
commendation-recipients = 수여 대상
commendation-kind = 종류
commendation-kind-citation = 표창장
commendation-kind-honorary-title = 명예칭호
commendation-kind-order = 훈장
commendation-kind-medal = 메달
commendation-kind-letter-of-thanks = 감사장
commendation-kind-other = 기타
commendation-title = 수여 명칭
commendation-reason = 사유
commendation-person-numbers = 성원 번호 (쉼표로 구분)
commendation-confer-submit = 수여
honours-title = 영예의 명단과 모범 단위
honours-total = 조직의 이 범위에서 수여한 표창은 { $count }건이에요.
model-units = 모범 단위
model-unit-end = 지정 해제
model-unit-designate = 모범 단위 지정
model-unit-unit = 단위
model-unit-reason = 본받을 경험
model-unit-designate-submit = 지정
flash-commendation-conferred = 표창을 수여했어요.
flash-model-designated = 모범 단위로 지정했어요.
flash-model-ended = 지정을 해제했어요.
