import pytest
from gongshi.core.sealed import (
    SealError,
    generate_identity,
    is_sealed_text,
    load_identities,
    policy_recipients,
    recipient_stanzas,
    seal,
    unseal,
    without_sealed,
)
from gongshi.rules.policy import Policy


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


def test_recipient_stanzas_count_the_x25519_recipients_not_the_grease():
    publics = [generate_identity()[1] for _ in range(3)]
    for n in (1, 2, 3):
        # pyrage adds a random "grease" stanza now and then: seal a few times so it shows up.
        assert {recipient_stanzas(seal("E12345678", publics[:n])) for _ in range(8)} == {n}
    assert recipient_stanzas("320404199001011234") is None
    broken = "-----BEGIN AGE ENCRYPTED FILE-----\nbm90IGFnZQ==\n-----END AGE ENCRYPTED FILE-----"
    assert recipient_stanzas(broken) is None


def test_policy_recipients_and_the_policy_object():
    _, public = generate_identity()
    data = {"reporting": {"recipients": [f" {public} "]}}
    assert policy_recipients(data) == (public,)
    assert policy_recipients({}) == () and policy_recipients(None) == ()
    assert policy_recipients({"reporting": {"recipients": "age1x"}}) == ()
    assert Policy.from_data(data).reporting_recipients == (public,)
    assert Policy.from_data({}).reporting_recipients == ()


def test_without_sealed_leaves_out_only_the_sealed_party_fields():
    record = {
        "doc_no": "1",
        "party": {"name": "李四", "id_no_masked": "3204**********1234", "id_no_sealed": "x"},
    }
    assert without_sealed(record) == {
        "doc_no": "1",
        "party": {"name": "李四", "id_no_masked": "3204**********1234"},
    }
    assert record["party"]["id_no_sealed"] == "x"  # the input is not changed
    assert without_sealed({"doc_no": "1"}) == {"doc_no": "1"}
