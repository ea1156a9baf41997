# 한국어: 오류 페이지.

error-title = 문제가 생겼어요
error-unauthorized = 로그인하세요.
error-forbidden = 이 작업을 할 권한이 없어요.
error-not-found = 이 페이지는 없거나, 내 단위 범위 밖에 있어요.
error-invalid = 양식에 오류가 있어요.
error-conflict = 이미 사용 중인 값이에요.
error-throttled = 시도가 너무 많아요. 나중에 다시 시도하세요.
error-bad-request = 요청을 이해할 수 없어요.
error-internal = 내부 오류가 발생했어요. 관리자는 요청 번호로 로그에서 이 오류를 찾을 수 있어요.
error-csrf = 양식이 만료되었거나 이 사이트에서 보낸 것이 아니에요. 페이지를 새로 고친 다음 다시 시도하세요.
error-field = { $field }: { $message }
error-request-id = 요청 번호: { $id }
error-back-home = 홈으로 돌아가기
error-too-large = 파일이나 요청이 너무 커요.
