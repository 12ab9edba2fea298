"""One Settings object, read from the environment (prefix ``COACH_``) and passed in.

Nothing reads the environment elsewhere: the CLI and the app build Settings once and
hand it to the services that need it, so tests can build their own.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    """A folder shipped with the app: the checkout's, else the installed copy in <prefix>/share."""
    in_checkout = PROJECT_ROOT / name
    if in_checkout.is_dir():
        return in_checkout
    return Path(sys.prefix) / "share" / "narrative-coach" / name


def _default_data_dir() -> Path:
    return Path.home() / ".narrative-coach"


class Settings(BaseSettings):
    """Everything configurable, with defaults that work offline on a fresh machine."""

    model_config = SettingsConfigDict(env_prefix="COACH_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    corpus_dir: Path = Field(default_factory=lambda: resource_dir("corpus"))
    prompts_dir: Path = Field(default_factory=lambda: resource_dir("prompts"))
    rubric_path: Path | None = None  # None: the packaged default rubric

    speaking_rate_wpm: int = Field(default=135, ge=60, le=250)
    default_story_type: str = "narrative"
    max_words: int = Field(default=20_000, ge=1)  # a long speech is 5,000; bounds scoring time

    # personal (default): one person on their own machine owns everything, settings editable.
    # shared (COACH_SHARED=1): a server for a room or an organisation; every browser must join
    # a workshop or sign in before it owns anything, and the LLM endpoint is the operator's.
    shared: bool = False
    # Reverse proxies in front of the app (nginx, Caddy) whose X-Forwarded-For is trusted to
    # name the client; 0 (default) trusts no header, so nobody can forge their address.
    trusted_proxies: int = Field(default=0, ge=0, le=5)
    # Keys the hashes of join codes and personal keys (coach.storage.secret): needed, the same
    # on every replica, with a server database; else a key file in the data directory.
    secret_key: SecretStr = SecretStr("")

    # Optional services; empty means "use the embedded default".
    chroma_url: str = ""
    database_url: str = ""

    # Optional OpenAI-compatible LLM. The key is never written to the database or logs.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout_s: float = 60.0
    # Optional speech-to-text for rehearsals (OpenAI-compatible /audio/transcriptions).
    # The base URL and key default to the LLM's.
    transcription_model: str = ""
    transcription_base_url: str = ""

    @property
    def transcription_configured(self) -> bool:
        return bool(self.transcription_model and (self.transcription_base_url or self.llm_base_url))

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def with_llm_endpoint(self, base_url: str, model: str, session_key: str = "") -> Settings:
        """These settings pointed at another LLM endpoint, as a person chose on Settings.

        The operator's ``COACH_LLM_API_KEY`` is sent only to the operator's
        ``COACH_LLM_BASE_URL``: a person who types another URL gets only the key they typed
        themselves, so nobody can have the server send its key to their own listener.
        """
        own = (
            self.llm_api_key.get_secret_value()
            if same_endpoint(base_url, self.llm_base_url)
            else ""
        )
        return self.model_copy(
            update={
                "llm_base_url": base_url,
                "llm_model": model,
                "llm_api_key": SecretStr(session_key or own),
            }
        )


def same_endpoint(first: str, second: str) -> bool:
    """Whether two base URLs name the same server and path (case of host and a final / aside)."""

    def norm(url: str) -> tuple[str, str, int | None, str]:
        parts = urlsplit(url.strip())
        try:
            port = parts.port
        except ValueError:
            port = -1
        return (parts.scheme.lower(), (parts.hostname or "").lower(), port, parts.path.rstrip("/"))

    return bool(first.strip()) and norm(first) == norm(second)


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: int) -> str | None:
    """The client's address for rate limits: the peer itself, or, behind ``trusted_proxies``
    proxies, the address the outermost of them saw (entries further left are the client's
    own claims and could be forged)."""
    if trusted_proxies and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if len(hops) >= trusted_proxies:
            return hops[-trusted_proxies]
    return peer or None
