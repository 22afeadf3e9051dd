"""What the simulator remembers: the account's credit, the messages sent, the outcomes chosen.

One lock guards it all: the HTTP server answers each request in its own thread.
"""
import threading
from collections import deque
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Deque, Dict, List, Optional, Union

from .. import phone
from . import statuses

#: Credit charged per SMS part.
PART_CHARGE = 1.0


def new_id() -> str:
    """A message id as Clickatell writes it: 32 hex digits."""
    return uuid.uuid4().hex


def digits(number: Union[str, int]) -> str:
    """A phone number's digits (``'+27 999 000 001'`` → ``'27999000001'``)."""
    return phone.digits(str(number))


@dataclass
class SimulatedMessage:
    """A message the simulator accepted.

    :ivar str api: ``'legacy'``, ``'platform'`` or ``'one'``
    :ivar str msgid: the id the API answered (apiMsgId / apiMessageId)
    :ivar str to: the recipient, as sent
    :ivar str text: the text, decoded (``unicode=1`` hex turned back into text)
    :ivar sender: the sender (``from``), or None
    :ivar client_message_id: cliMsgId / clientMessageId, or None
    :ivar dict parameters: every other parameter of the request, as received (credentials left out)
    :ivar int parts: SMS parts the text takes
    :ivar float charge: credit charged
    :ivar int status: the current status in the API's own numbering (legacy and Platform: 4 is
        received by recipient; One API: 5 is DEVICE_ACK)
    :ivar str status_name: its text (legacy) or name (Platform, One API)
    :ivar float time: when the status last changed (UNIX seconds)
    """
    api: str
    msgid: str
    to: str
    text: str
    sender: Optional[str] = None
    client_message_id: Optional[str] = None
    #: As received: text (legacy forms) or any JSON value (Platform, One API).
    parameters: Dict[str, Any] = field(default_factory=dict)
    parts: int = 1
    charge: float = 0.0
    status: int = statuses.QUEUED
    status_name: str = ''
    time: float = field(default_factory=time.time)
    #: The status in the legacy numbering, which the simulator works in.
    code: int = field(default=statuses.QUEUED, repr=False)

    def set_code(self, code: int, when: Optional[float] = None) -> None:
        """Move to a status (legacy code), updating `status` and `status_name` in the API's numbering."""
        self.code = code
        self.time = time.time() if when is None else when
        if self.api == 'one':
            self.status, self.status_name = statuses.one_api_status(code)
        elif self.api == 'platform':
            self.status, self.status_name = code, statuses.platform_name(code)
        else:
            self.status, self.status_name = code, statuses.legacy_text(code)

    def as_dict(self) -> Dict[str, Any]:
        """The message as JSON-ready data."""
        return {
            'api': self.api, 'msgid': self.msgid, 'to': self.to, 'text': self.text, 'sender': self.sender,
            'client_message_id': self.client_message_id, 'parameters': dict(self.parameters),
            'parts': self.parts, 'charge': self.charge, 'status': self.status,
            'status_name': self.status_name, 'time': self.time,
        }


@dataclass
class Incoming:
    """An incoming message (MO) to push.

    :ivar str msgid: its own id
    :ivar str src: the sender
    :ivar str dst: the number it was sent to
    :ivar str text: the text
    :ivar bytes raw: the text in `charset`
    :ivar str charset: the charset's name as Clickatell writes it (``ISO-8859-1``, ``UTF-16BE``, ``UTF-8``)
    :ivar replying_to: the last message sent to `src` (a :class:`SimulatedMessage`), or None
    :ivar float time: when it arrived (UNIX seconds)
    """
    msgid: str
    src: str
    dst: str
    text: str
    raw: bytes
    charset: str
    replying_to: Optional[SimulatedMessage] = None
    time: float = field(default_factory=time.time)


class Account:
    """The simulated account. Every method takes the lock; callers never hold it."""

    def __init__(self, credit: float) -> None:
        self.lock = threading.Lock()
        self._credit = float(credit)
        self._messages: List[SimulatedMessage] = []
        self._by_id: Dict[str, SimulatedMessage] = {}
        self._outcomes: Dict[str, int] = {}
        #: Most messages the newer APIs take per second (None: no limit).
        self.rate_limit: Optional[float] = None
        #: The clock of the rate limit (seconds; tests replace it).
        self.clock: Callable[[], float] = time.monotonic
        self._recent: Deque[float] = deque()

    def admit(self, count: int) -> bool:
        """Whether `count` more messages fit within :attr:`rate_limit` in the last second; if they do,
        they are counted."""
        with self.lock:
            if self.rate_limit is None:
                return True
            now = self.clock()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) + count > self.rate_limit:
                return False
            self._recent.extend([now] * count)
            return True

    @property
    def credit(self) -> float:
        with self.lock:
            return self._credit

    @credit.setter
    def credit(self, value: float) -> None:
        with self.lock:
            self._credit = float(value)

    def messages(self) -> List[SimulatedMessage]:
        """Copies of the messages, oldest first: a snapshot that later changes do not touch."""
        with self.lock:
            return [replace(m, parameters=dict(m.parameters)) for m in self._messages]

    def set_outcome(self, number: Union[str, int], code: Optional[int]) -> None:
        with self.lock:
            if code is None:
                self._outcomes.pop(digits(number), None)
            else:
                self._outcomes[digits(number)] = code

    def outcome(self, number: Union[str, int]) -> int:
        """The final legacy code chosen for a number (004 when none was)."""
        with self.lock:
            return self._outcomes.get(digits(number), statuses.RECEIVED)

    def charge(self, amount: float) -> bool:
        """Take `amount` from the credit; False (and nothing taken) when there is not enough."""
        with self.lock:
            if amount > self._credit + 1e-9:
                return False
            self._credit -= amount
            return True

    def add(self, message: SimulatedMessage, code: int) -> SimulatedMessage:
        """Record an accepted message, in status `code`."""
        message.set_code(code)
        with self.lock:
            self._messages.append(message)
            self._by_id[message.msgid] = message
        return message

    def find(self, api: str, msgid: Optional[str] = None,
             client_message_id: Optional[str] = None) -> Optional[SimulatedMessage]:
        """The last message of `api` with that id (or client id), or None."""
        with self.lock:
            if msgid is not None:
                message = self._by_id.get(msgid) or self._by_id.get(str(msgid).lower())
                return message if message is not None and message.api == api else None
            for message in reversed(self._messages):
                if message.api == api and client_message_id and message.client_message_id == client_message_id:
                    return message
        return None

    def last_sent_to(self, number: Union[str, int], api: str) -> Optional[SimulatedMessage]:
        """The last message of `api` sent to `number`, or None: what an incoming message from it replies to."""
        wanted = digits(number)
        with self.lock:
            return next((m for m in reversed(self._messages) if m.api == api and digits(m.to) == wanted), None)

    def update(self, message: SimulatedMessage, code: int) -> None:
        """Move a message to a status (legacy code), under the lock."""
        with self.lock:
            message.set_code(code)
