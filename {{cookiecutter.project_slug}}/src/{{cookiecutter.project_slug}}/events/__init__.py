"""Events the flow announces, and the receivers that listen.

- signals: the blinker signals (needs re-authorization, recovered, refresh failed, flow step).
- flow: `record()` announces each OAuth step for whoever listens (the workshop inspector).
- receivers: what this project does when a connection signal fires (logs, the place to email).

Nothing in the flow imports a listener: the inspector and any metrics connect to these
signals from outside, so leaving them out changes nothing else.
"""
