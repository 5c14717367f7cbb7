import pytest
from gongshi.core.sealed import (
    SealError,
    generate_identity,
    is_sealed_text,
    load_identities,
    seal,
    unseal,
)


def test_seal_round_trip_to_two_recipients(tmp_path):
    secret_a, public_a = generate_identity()
    secret_b, public_b = generate_identity()
    sealed = seal("320404199001011234", [public_a, public_b])
    assert is_sealed_text(sealed)
    assert "320404199001011234" not in sealed
    for secret in (secret_a, secret_b):
        key = tmp_path / "key.txt"
        key.write_text(f"# created for a test\n{secret}\n", encoding="utf-8")
        assert unseal(sealed, load_identities(key)) == "320404199001011234"


def test_wrong_identity_is_a_chinese_error(tmp_path):
    _, public = generate_identity()
    other, _ = generate_identity()
    key = tmp_path / "other.txt"
    key.write_text(other, encoding="utf-8")
    with pytest.raises(SealError, match="无法解密"):
        unseal(seal("x", [public]), load_identities(key))


def test_bad_recipient_and_missing_identity(tmp_path, monkeypatch):
    with pytest.raises(SealError, match="age1"):
        seal("x", ["not-a-key"])
    with pytest.raises(SealError, match="没有接收方公钥"):
        seal("x", [])
    monkeypatch.delenv("GONGSHI_AGE_IDENTITY", raising=False)
    with pytest.raises(SealError, match="GONGSHI_AGE_IDENTITY"):
        load_identities()
    with pytest.raises(SealError, match="格式不对"):
        unseal("320404199001011234", [])
