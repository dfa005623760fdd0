"""The authorization server (/oauth/*) and the resource protector for the API (/v1/*)."""
