"""One wire client per Clickatell API generation; the provider picks one by its `api` option."""
from typing import Dict, Type, Union

from .keyed import KeyApiClient
from .legacy import ClickatellHttpApi
from .one import OneApiClient
from .platform import PlatformClient
from .results import Balance, SendResult

#: `api` option → client class. A new generation is a new module here and a row in this table.
CLIENTS: Dict[str, Union[Type[OneApiClient], Type[PlatformClient], Type[ClickatellHttpApi]]] = {
    client.api: client for client in (OneApiClient, PlatformClient, ClickatellHttpApi)}


__all__ = ['CLIENTS', 'Balance', 'SendResult', 'ClickatellHttpApi', 'KeyApiClient', 'OneApiClient', 'PlatformClient']
