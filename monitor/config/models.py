"""The shape of monitor.yaml and sources.yaml, validated with pydantic."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crawler.addresses import BlockedAddress, check_url
from crawler.items import SourceSpec
from crawler.settings import CrawlPolicy
from monitor.config.units import Duration, Size


class Strict(BaseModel):
    """Unknown keys are mistakes: an analyst's typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CrawlSettings(Strict):
    user_agent: str = CrawlPolicy.user_agent
    timeout: Duration = 30.0
    max_response_size: Size = 8 * 1024 * 1024
    concurrency: int = Field(32, ge=1, le=512)
    concurrency_per_domain: int = Field(2, ge=1, le=32)
    delay: float = Field(0.0, ge=0)
    retries: int = Field(2, ge=0, le=10)
    max_redirects: int = Field(5, ge=0, le=20)
    obey_robots: bool = True
    autothrottle: bool = True
    allow_private_addresses: bool = False
    first_crawl_max_age: Duration = 7 * 86400.0
    max_retry_after: Duration = 3600.0
    """The longest a host's Retry-After may keep us away from it."""

    def policy(self) -> CrawlPolicy:
        return CrawlPolicy(
            user_agent=self.user_agent,
            timeout=self.timeout,
            max_response_bytes=self.max_response_size,
            concurrency=self.concurrency,
            concurrency_per_domain=self.concurrency_per_domain,
            delay=self.delay,
            retries=self.retries,
            max_redirects=self.max_redirects,
            obey_robots=self.obey_robots,
            autothrottle=self.autothrottle,
            allow_private_addresses=self.allow_private_addresses,
        )


SeverityName = Literal["urgent", "high", "normal", "low"]
_SECRET_KEYS = {"password", "token", "bot_token", "smtp_password", "secret", "api_key"}


class Channel(Strict):
    """What every delivery channel shares: what it receives, when, and in which language."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    severities: list[SeverityName] = ["urgent", "high", "normal", "low"]
    rules: list[str] = []
    language: Literal["en", "ru"] = "en"
    group_by: Literal["rule", "country"] = "rule"
    digest_time: str = Field("08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str | None = None
    send_empty: bool = False
    alerts: bool = True
    templates: Path | None = Field(None, strict=False)
    """A folder with digest.txt.j2 / digest.html.j2 that replace the shipped templates for this channel."""

    operator: bool = False
    """This channel also receives notices for the people running Dozor (a config edit that was refused)."""

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in _SECRET_KEYS & set(data):
                raise ValueError(
                    f"{key!r} must not be written in YAML; put it in an environment variable "
                    "and name the variable with the matching *_env key"
                )
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else _zone(value)

    def takes(self, rule: str, severity: str) -> bool:
        return severity in self.severities and (not self.rules or rule in self.rules)


class FileChannel(Channel):
    name: str = Field("files", pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: Literal["file"] = "file"
    folder: Path = Field(Path("data/digests"), strict=False)
    alerts: bool = False


class EmailChannel(Channel):
    kind: Literal["email"]
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    recipients: list[str] = Field(min_length=1)
    username_env: str = "DOZOR_SMTP_USER"
    password_env: str = "DOZOR_SMTP_PASSWORD"
    timeout: Duration = 30.0
    list_id: str = "Dozor digest <digest.dozor.invalid>"


class TelegramChannel(Channel):
    kind: Literal["telegram"]
    chat_id: str
    token_env: str = "DOZOR_TELEGRAM_TOKEN"
    api_base: str = "https://api.telegram.org"
    timeout: Duration = 30.0
    max_retry_wait: Duration = 120.0
    feedback_buttons: bool = True
    """Relevant / irrelevant buttons under each story, read by the daemon from the bot's updates.

    Turn off when another program reads this bot's updates or a webhook is set for it."""


AnyChannel = Annotated[Union[FileChannel, EmailChannel, TelegramChannel], Field(discriminator="kind")]


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {value!r}; use a name like Asia/Almaty or UTC") from error
    return value


class StorySettings(Strict):
    similarity: float = Field(0.5, gt=0, le=1)
    window: Duration = 3 * 86400.0
    link_languages: bool = True
    """Join articles in different languages, published within a day, that name the same people and
    organisations and give the same figures (monitor.similarity.same_event_across_languages)."""


class RetentionSettings(Strict):
    prune_bodies_after: Duration = 90 * 86400.0


class HealthSettings(Strict):
    """The daemon's /healthz and /metrics, served on 127.0.0.1 only (off until a port is set),
    and when a failing source is reported to the operator channels."""

    port: int | None = Field(None, ge=1, le=65535)
    source_alert_after: int = Field(5, ge=0)
    """Consecutive failed rounds after which a source is reported once, at once; 0 never."""


class LoggingSettings(Strict):
    """How the daemon writes its log lines: text for people, keyvalue or json for log collectors."""

    format: Literal["text", "keyvalue", "json"] = "text"


class MonitorSettings(Strict):
    database: Path = Field(Path("data/dozor.sqlite3"), strict=False)
    timezone: str = "Asia/Almaty"
    crawl: CrawlSettings = CrawlSettings()
    stories: StorySettings = StorySettings()
    retention: RetentionSettings = RetentionSettings()
    health: HealthSettings = HealthSettings()
    logging: LoggingSettings = LoggingSettings()
    channels: list[AnyChannel] = [FileChannel()]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _zone(value)

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list) -> list:
        names = [channel.name for channel in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"channel names must be unique; {', '.join(duplicates)} is used twice")
        return value

    def zone_of(self, channel: Channel) -> str:
        return channel.timezone or self.timezone


class ListingSelectors(Strict):
    links: str
    next: str | None = None
    pages: int = Field(1, ge=1, le=20)


class ArticleSelectors(Strict):
    title: str | None = None
    body: str | None = None
    date: str | None = None


class Source(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: Literal["rss", "atom", "html", "sitemap", "telegram"]
    url: str | None = None
    urls: list[str] = []
    country: str = Field("", pattern=r"^([A-Z]{2}|REGION|)$")
    languages: list[str] = []
    interval: Duration = 1800.0
    enabled: bool = True
    full_text: bool = False
    user_agent: str | None = None
    timeout: Duration | None = None
    max_age: Duration | None = None
    max_items: int = Field(200, ge=1, le=5000)
    listing: ListingSelectors | None = None
    article: ArticleSelectors | None = None

    @model_validator(mode="after")
    def _one_url_at_least(self) -> "Source":
        if not self.url and not self.urls:
            raise ValueError("give the source a url (or a list of urls)")
        if self.kind == "html" and self.listing is None:
            raise ValueError("an html source needs listing.links, the CSS selector of its article links")
        for url in self.all_urls():
            try:
                check_url(url)
            except BlockedAddress as error:
                if "private or local" not in str(error):
                    raise ValueError(f"{url}: {error}") from error
        return self

    def all_urls(self) -> tuple[str, ...]:
        return tuple(([self.url] if self.url else []) + self.urls)

    def spec(self, default_timeout: float) -> SourceSpec:
        """The crawler's view of this source, with the crawl-wide timeout as fallback."""
        return SourceSpec(
            name=self.name,
            kind=self.kind,
            urls=self.all_urls(),
            country=self.country,
            languages=tuple(self.languages),
            timeout=self.timeout or default_timeout,
            user_agent=self.user_agent,
            full_text=self.full_text,
            listing_links=self.listing.links if self.listing else None,
            listing_next=self.listing.next if self.listing else None,
            listing_pages=self.listing.pages if self.listing else 1,
            article_title=self.article.title if self.article else None,
            article_body=self.article.body if self.article else None,
            article_date=self.article.date if self.article else None,
            max_items=self.max_items,
        )


class SourcesFile(Strict):
    sources: list[Source]

    @model_validator(mode="after")
    def _unique_names(self) -> "SourcesFile":
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}; names must be unique")
            seen.add(source.name)
        return self
