# English: the experience library.

experiences-title = Experience
nav-experiences = Experience
experiences-library = The experience library
experiences-browse-here = written here and below
experiences-counts = { $written } written here and below · { $applied } applied here and below
experiences-suggested = Experience for your lagging targets
experiences-model-unit = model unit
experiences-applied-by = { $count ->
    [0] Applied by no unit yet
    [one] Applied by one unit
   *[other] Applied by { $count } units
}
experiences-own = Written by this unit
experiences-write = Write up an experience
experiences-write-submit = Publish
experiences-body = The experience (Markdown)
experiences-category = Plan category
experiences-no-category = None
experiences-any-category = Any
experiences-tags = Tags, separated by commas
experiences-tag = Tag
experiences-target-number = Target it came from (number)
experiences-decision-number = Decision it carried out (number)
experiences-source = Learnt from
experiences-source-none = Nothing else
experiences-source-incident = a closed incident
experiences-source-welfare-case = a resolved welfare case
experiences-source-number = Its number
experiences-learnt-from-incident = learnt from a closed incident
experiences-learnt-from-welfare-case = learnt from a resolved welfare case
experiences-search = Words
experiences-search-submit = Search
experiences-none = No experience matches.
experiences-apply-unit = Applied by
experiences-apply-note = How it was applied
experiences-apply = Record that we applied it
flash-experience-written = The experience is published.
flash-experience-applied = Recorded.
