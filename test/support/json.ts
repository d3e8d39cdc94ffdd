// A parsed response body in a test: each test asserts the shape it reads, so the body is read freely.
// The one place tests opt out of `no-explicit-any`; server, web and bench code never do.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
