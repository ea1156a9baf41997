# 한국어: 로그인과 로그아웃.

flash-logged-out = 로그아웃했어요.
login-title = 로그인
login-username = 로그인 이름
login-password = 비밀번호
login-submit = 로그인
login-failed = 로그인 이름이나 비밀번호가 틀렸어요.
login-throttled = 실패한 시도가 너무 많아요. { $minutes }분 후에 다시 시도하세요.
flash-session-ended = 세션이 끝났어요. 다시 로그인하세요.
