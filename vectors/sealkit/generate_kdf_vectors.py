#!/usr/bin/env python3
"""Writes double_ratchet_kdf.json: known answers for the Double Ratchet KDF
chains of Sealkit (core/src/session/chain.rs), computed here with the Python
standard library only (hmac, hashlib), independently of the Rust code.

    python3 vectors/sealkit/generate_kdf_vectors.py

Definitions (Signal's Double Ratchet spec, section 5.2, as Sealkit instantiates it):
  KDF_RK(rk, dh_out)   = HKDF-SHA256(salt=rk, ikm=dh_out, info="Sealkit_DR_Root_v1", L=64)
                         -> new rk = okm[0:32], ck = okm[32:64]
  KDF_CK(ck)           : mk = HMAC-SHA256(ck, 0x01), next ck = HMAC-SHA256(ck, 0x02)
  message-key expansion: HKDF-SHA256(salt=0^32, ikm=mk, info="Sealkit_DR_MessageKeys_v1", L=44)
                         -> AES-256-GCM key = okm[0:32], nonce = okm[32:44]
"""

import hashlib
import hmac
import json
import os
import sys

ROOT_INFO = b"Sealkit_DR_Root_v1"
MESSAGE_KEY_INFO = b"Sealkit_DR_MessageKeys_v1"
STEPS = 5


def hkdf_sha256(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 extract-then-expand."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
    return okm[:length]


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def self_test() -> None:
    # RFC 5869 appendix A.1 (HKDF-SHA256, basic test case).
    okm = hkdf_sha256(
        bytes.fromhex("000102030405060708090a0b0c"),
        bytes([0x0B] * 22),
        bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"),
        42,
    )
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        "34007208d5b887185865"
    ), "HKDF self-test (RFC 5869 A.1) failed"
    # RFC 4231 test case 2 (HMAC-SHA256).
    tag = hmac_sha256(b"Jefe", b"what do ya want for nothing?")
    assert tag.hex() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    ), "HMAC self-test (RFC 4231 case 2) failed"


def main() -> None:
    self_test()
    root_key = bytes(range(0x00, 0x20))
    root_steps = []
    first_chain_key = None
    for step in range(STEPS):
        dh_out = bytes((0x20 + 0x20 * step + j) % 256 for j in range(32))
        okm = hkdf_sha256(root_key, dh_out, ROOT_INFO, 64)
        new_root, chain_key = okm[:32], okm[32:]
        root_steps.append(
            {
                "step": step,
                "root_key": root_key.hex(),
                "dh_out": dh_out.hex(),
                "new_root_key": new_root.hex(),
                "chain_key": chain_key.hex(),
            }
        )
        if first_chain_key is None:
            first_chain_key = chain_key
        root_key = new_root

    chain_steps = []
    chain_key = first_chain_key
    for index in range(STEPS):
        message_key = hmac_sha256(chain_key, b"\x01")
        next_chain_key = hmac_sha256(chain_key, b"\x02")
        okm = hkdf_sha256(bytes(32), message_key, MESSAGE_KEY_INFO, 44)
        chain_steps.append(
            {
                "index": index,
                "chain_key": chain_key.hex(),
                "message_key": message_key.hex(),
                "next_chain_key": next_chain_key.hex(),
                "aead_key": okm[:32].hex(),
                "nonce": okm[32:].hex(),
            }
        )
        chain_key = next_chain_key

    document = {
        "description": "Known answers for Sealkit's Double Ratchet KDF chains: KDF_RK "
        "(RootKey::step), KDF_CK (ChainKey::message_key, ChainKey::next) and the message-key "
        "expansion (MessageKey::aead_key_and_nonce). root_steps chains KDF_RK five times "
        "(each step's root_key is the previous new_root_key; dh_out of step i is the bytes "
        "0x20+32i .. 0x3f+32i mod 256); chain_steps runs KDF_CK five times from the chain_key "
        "of root step 0.",
        "source": "Computed by vectors/sealkit/generate_kdf_vectors.py with the Python 3 "
        "standard library only (hmac + hashlib: HMAC-SHA256, and HKDF-SHA256 written from RFC "
        "5869 in the script, self-tested against RFC 5869 A.1 and RFC 4231 case 2). Not "
        "produced by Sealkit's Rust code, which the test session::tests::known_answers checks against "
        "this file.",
        "regenerate": "python3 vectors/sealkit/generate_kdf_vectors.py",
        "definitions": {
            "kdf_rk": "HKDF-SHA256(salt=root_key, ikm=dh_out, info=root_info, L=64); "
            "new_root_key = okm[0:32], chain_key = okm[32:64]",
            "kdf_ck": "message_key = HMAC-SHA256(chain_key, 0x01); "
            "next_chain_key = HMAC-SHA256(chain_key, 0x02)",
            "message_key_expansion": "HKDF-SHA256(salt=32 zero bytes, ikm=message_key, "
            "info=message_key_info, L=44); aead_key = okm[0:32], nonce = okm[32:44]",
        },
        "root_info": ROOT_INFO.decode(),
        "message_key_info": MESSAGE_KEY_INFO.decode(),
        "root_steps": root_steps,
        "chain_steps": chain_steps,
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "double_ratchet_kdf.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2)
        f.write("\n")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
