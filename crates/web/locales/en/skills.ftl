# English: skills and talents.

skills-title = Skills catalogue
skills-skill = Skill
skills-any = Any skill
skills-talents = Technical forces and talents
skills-no-talents = No skills are recorded in this unit or below.
skills-people = { $count ->
    [one] { $count } person
   *[other] { $count } people
}
skills-name = Name
skills-category = Category
skills-create = Add a skill
skills-create-submit = Add skill
skills-none = The catalogue is empty.
skills-of-person = Skills
skills-level = Level
skills-certified-until = Certified until
skills-expired = certification expired
skills-expiring = certification expires soon
skills-valid = certified
skills-set = Record a skill
skills-set-submit = Save skill
skills-remove = Remove
flash-skill-created = The skill was added to the catalogue.
flash-skill-saved = The skill was saved.
flash-skill-removed = The skill was removed.
