"""leadmock's layers of the pipeline, one a module; ``mockserver.pipeline`` declares their order
and builds them. Each is plain ASGI middleware and reads or writes only the request's context
(``mockserver.requestcontext``) beside the request itself."""
