"""What every wire client shares: sessions per process, retries, TLS, deadlines, answer caps, secrets."""
from .http import Answer, Timeout, Transport, Verify, checked_timeout, resolve_verify
from .retries import RetryPolicies, retry_policies
from .secrets import HiddenBytes, HiddenStr, Secret, mask

__all__ = ['Answer', 'Timeout', 'Transport', 'Verify', 'checked_timeout', 'resolve_verify',
           'RetryPolicies', 'retry_policies', 'HiddenBytes', 'HiddenStr', 'Secret', 'mask']
