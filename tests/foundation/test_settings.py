from pathlib import Path

import pytest

from api.cli.runtime import with_private_development_secret
from api.settings import DEVELOPMENT_SECRET_KEY, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("ENVIRONMENT", "SECRET_KEY", "DATABASE_URL", "PORT", "BUSINESS_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_production_refuses_a_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings()


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings()


def test_production_starts_with_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "q" * 48)
    assert load_settings().environment == "production"


def test_bad_values_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    monkeypatch.setenv("BUSINESS_TIMEZONE", "Mars/Olympus")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "PORT" in str(error.value)
    assert "BUSINESS_TIMEZONE" in str(error.value)


def test_non_postgres_database_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://localhost/x")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings()


def test_cors_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert load_settings().cors_origins == ["https://a.example", "https://b.example"]


def test_development_signs_with_a_private_key_kept_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings(INVESTQUEST_DATA_DIR=str(tmp_path))
    first = with_private_development_secret(settings)
    again = with_private_development_secret(settings)
    key = first.secret_key.get_secret_value()
    assert key != DEVELOPMENT_SECRET_KEY
    assert len(key) >= 48
    assert again.secret_key.get_secret_value() == key
    assert (tmp_path / "secret-key").stat().st_mode & 0o777 == 0o600
