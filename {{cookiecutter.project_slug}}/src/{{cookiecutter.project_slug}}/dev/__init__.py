"""`flask dev`: the development server, its sandbox process and its local certificate.

- server: the app and the sandbox on chosen ports, reloader and debugger on.
- tls: a throwaway local certificate for `flask dev --tls`.
"""
