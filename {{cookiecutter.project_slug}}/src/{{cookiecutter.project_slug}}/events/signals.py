"""Signals integrators connect to (blinker, like Flask's own).

Connect a receiver to tell a workspace owner that the app lost access, for example:

    @connection_needs_reauth.connect
    def email_owner(sender, connection_id, workspace_name, reason): ...

See receivers.py for the receiver this project ships.
"""

from blinker import Namespace

_signals = Namespace()

#: The platform no longer accepts the connection's tokens; the user must reconnect.
connection_needs_reauth = _signals.signal("connection-needs-reauth")
#: A connection that had failed refreshes (or needed re-authorization) works again.
connection_recovered = _signals.signal("connection-recovered")
#: A refresh failed for a transient reason; the connection cools down and is retried.
refresh_failed = _signals.signal("refresh-failed")
#: A refresher sweep finished (for metrics): `seconds` it took, its `result`.
sweep_finished = _signals.signal("sweep-finished")
#: One step of the OAuth flow happened (sent by events.flow.record, for the inspector).
flow_step = _signals.signal("flow-step")
#: A browser got a new browser id at login (old=..., new=...): whatever followed the old id
#: (the inspector's timeline) may follow the new one.
browser_renewed = _signals.signal("browser-renewed")
