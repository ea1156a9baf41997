# English: signing in and out.

flash-logged-out = You have been signed out.
login-title = Sign in
login-username = Login name
login-password = Password
login-submit = Sign in
login-failed = The login name or the password is wrong.
login-throttled = Too many failed attempts. Try again in { $minutes } minutes.
flash-session-ended = Your session has ended. Sign in again.
