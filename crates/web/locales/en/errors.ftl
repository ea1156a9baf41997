# English: error pages.

error-title = Something went wrong
error-unauthorized = Please sign in.
error-forbidden = You are not allowed to do this.
error-not-found = This page does not exist, or it is outside your units.
error-invalid = The form has an error.
error-conflict = This value is already taken.
error-throttled = Too many attempts. Try again later.
error-bad-request = The request could not be understood.
error-internal = An internal error occurred. The administrators can find it in the log by its request number.
error-csrf = The form has expired or did not come from this site. Reload the page and try again.
error-field = { $field }: { $message }
error-request-id = Request number: { $id }
error-back-home = Back to the home page
error-too-large = The file or request is too large.
