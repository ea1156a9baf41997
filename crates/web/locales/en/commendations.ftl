# English: commendations and model units.

commendation-confer = Confer a commendation
commendation-recipients = On
commendation-kind = Kind
commendation-kind-citation = Citation
commendation-kind-honorary-title = Honorary title
commendation-kind-order = Order
commendation-kind-medal = Medal
commendation-kind-letter-of-thanks = Letter of thanks
commendation-kind-other = Other
commendation-title = As conferred (name)
commendation-reason = Reason
commendation-person-numbers = Person numbers (separated by commas)
commendation-confer-submit = Confer
honours-title = Roll of honour and model units
honours-total = { $count ->
    [one] One commendation conferred in this part of the organization.
   *[other] { $count } commendations conferred in this part of the organization.
}
model-units = Model units
model-unit-end = End the designation
model-unit-designate = Designate a model unit
model-unit-unit = Unit
model-unit-reason = The experience to follow
model-unit-designate-submit = Designate
flash-commendation-conferred = Commendation conferred.
flash-model-designated = Model unit designated.
flash-model-ended = Designation ended.
