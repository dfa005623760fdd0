"""Key rotation for tokens at rest: re-encrypt every row under the first key.

A row that does not decrypt (its key left the ring, or the ciphertext was damaged or
moved) is that connection's problem only: rotation marks it as needing re-authorization,
names it in an operator log line and in the result, and carries on with the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import write_locked_session
from ..fsckmsft.token_service import mark_undecryptable
from ..models import Connection
from ..services import Services
from .cipher import DecryptionError, token_associated_data

TOKEN_COLUMNS = ("access_token", "refresh_token")


@dataclass
class RotationResult:
    rotated: int = 0
    current: int = 0
    undecryptable: list[str] = field(default_factory=list)  # connection ids, never tokens


def _reencrypt_row(session: Session, services: Services, connection_id: str) -> bool:
    """Re-encrypt one locked row; False if it was already under the first key."""
    row = session.scalars(
        select(Connection).where(Connection.id == connection_id).with_for_update()
    ).one_or_none()
    if row is None:
        return False
    changed = False
    for column in TOKEN_COLUMNS:
        envelope = getattr(row, f"{column}_ciphertext")
        if envelope is None or services.cipher.is_current(envelope):
            continue
        ad = token_associated_data(row.id, column)
        plaintext = services.cipher.decrypt(envelope, associated_data=ad)
        setattr(row, f"{column}_ciphertext", services.cipher.encrypt(plaintext, associated_data=ad))
        changed = True
    return changed


def rotate_all_tokens(services: Services) -> RotationResult:
    engine = services.token_service.engine
    with Session(bind=engine) as reader:
        ids = reader.scalars(select(Connection.id).order_by(Connection.id)).all()
    result = RotationResult()
    for connection_id in ids:
        # One short transaction per row: an interruption loses at most that row's work,
        # and the refresh path (which locks the same row) is never blocked for long.
        try:
            with write_locked_session(engine) as session:
                rotated = _reencrypt_row(session, services, connection_id)
        except DecryptionError as error:
            # Rolled back: the row keeps its ciphertexts (a key put back would read them).
            mark_undecryptable(engine, connection_id, "token", str(error))
            result.undecryptable.append(connection_id)
            continue
        if rotated:
            result.rotated += 1
        else:
            result.current += 1
    return result
