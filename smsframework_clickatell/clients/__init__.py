"""One wire client per Clickatell API generation; the provider picks one by its `api` option."""
from .legacy import ClickatellHttpApi

#: `api` option → client class. A new generation is a new module here and a row in this table.
CLIENTS = {
    ClickatellHttpApi.api: ClickatellHttpApi,
}

__all__ = ['CLIENTS', 'ClickatellHttpApi']
