#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into tests/fuzz/corpus/<target>/ from the real
payloads in tests/fixtures, the examples in config/ and docs/, and spool segments encoded here.
Deterministic: rerun it after changing a fixture or an input format, and commit the result.

    python3 tests/fuzz/make_corpus.py
"""
import base64
import hashlib
import hmac
import pathlib
import re
import shutil
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"

# Must match the constants in signature_fuzz.cpp.
GITHUB_SECRET = b"It's a Secret to Everybody"
STANDARD_KEY = b"triggerd-fuzz-standard-webhooks-key"
NOW = b"1764064800"


def fixture(name):
    return (ROOT / "tests" / "fixtures" / name).read_bytes()


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def signature_seeds():
    body = fixture("github/push.json")
    sig = b"sha256=" + hmac.new(GITHUB_SECRET, body, hashlib.sha256).hexdigest().encode()
    msg_id = b"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
    gl_body = fixture("gitlab/push.json")
    v1 = b"v1," + base64.b64encode(
        hmac.new(STANDARD_KEY, msg_id + b"." + NOW + b"." + gl_body, hashlib.sha256).digest())
    lines = lambda *fields: b"\n".join(fields)
    write("signature", "github-valid", lines(sig, b"", b"", b"", body))
    write("signature", "github-upper-hex", lines(sig[:7] + sig[7:].upper(), b"", b"", b"", body))
    write("signature", "github-sha1", lines(b"sha1=" + sig[7:47], b"", b"", b"", body))
    write("signature", "standard-valid", lines(b"", msg_id, NOW, v1, gl_body))
    write("signature", "standard-several",
          lines(b"", msg_id, NOW, b"v1,Zm9v v1a,xx " + v1 + b" v2,abc", gl_body))
    write("signature", "standard-stale", lines(b"", msg_id, b"1764060000", v1, gl_body))
    write("signature", "standard-bad-timestamp", lines(b"", msg_id, b"17640648OO", v1, gl_body))


def payload_seeds():
    json_type = b"application/json"
    form_type = b"application/x-www-form-urlencoded"
    for name, event, ctype in [("push.json", b"push", json_type),
                               ("push-tag.json", b"push", json_type),
                               ("push-delete.json", b"push", json_type),
                               ("ping.json", b"ping", json_type),
                               ("push-form-urlencoded.txt", b"push", form_type),
                               ("ping-form-urlencoded.txt", b"ping", form_type)]:
        write("github_payload", name, event + b"\n" + ctype + b"\n" + fixture("github/" + name))
    for name, event in [("push.json", b"Push Hook"), ("tag-push.json", b"Tag Push Hook")]:
        write("gitlab_payload", name,
              event + b"\n" + json_type + b"\n" + fixture("gitlab/" + name))


def config_seeds():
    for name in ["triggerd.example.toml", "triggerd.local.toml"]:
        write("config", name, (ROOT / "config" / name).read_bytes())
    # Valid next to config_fuzz.cpp's scratch files; every table present.
    write("config", "minimal.toml", b"""[server]
public_base_url = "https://triggerd.example.com/"
[security]
master_key_file = "../master.key"
admin_token_sha256_files = ["../admin-tokens.sha256"]
allowed_networks = ["10.0.0.0/8", "fd00::/8"]
[redis]
address = "unix:/run/redis/redis.sock"
[spool]
dir = "../spool"
max_bytes = "64MiB"
segment_bytes = 1048576
max_age = "1d"
""")


def rules_seeds():
    docs = (ROOT / "docs" / "build-rules.md").read_text()
    for i, block in enumerate(re.findall(r"```json\n(.*?)```", docs, re.S)):
        write("rules", "docs-%02d.json" % i, block.encode())
    write("rules", "everything.json", br"""[{"kind": "branch", "match": "(main|release/(\d+)\.(\d+))",
  "tags": ["{branch}", "{2}.{3}-{sha:12}", "{timestamp}"], "dockerfile": "build/Dockerfile",
  "context": "services/api", "build_args": {"GO_VERSION": "1.22", "APP": "api"},
  "paths": ["services/**", "*.go", "docs/[A-Z]*.md", "web/src/?pp.ts"]},
 {"kind": "tag", "match": "v(?P<major>\d+)\..*", "tags": ["{tag}", "v{1}"]}]""")


def tag_template_seeds():
    for i, (kind, groups, text) in enumerate([
            (b"branch", b"0", b"{branch}-{sha:7}"), (b"tag", b"3", b"{1}.{2}.{3}"),
            (b"tag", b"1", b"{tag}-{timestamp}"), (b"branch", b"0", b"latest"),
            (b"branch", b"9", b"{9}{8}_{sha}{{x}}"), (b"tag", b"0", b"{branch}")]):
        write("tag_template", "t%d" % i, kind + b"\n" + groups + b"\n" + text)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def record(seq, ms, payload):
    head = b"\xf5SPL" + bytes([1, 0, 0, 0]) + struct.pack("<IQq", len(payload), seq, ms)
    return head + struct.pack("<I", crc32c(payload, crc32c(head))) + payload


def spool_seeds():
    job = (b'{"trigger":"01JDQ2","delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958",'
           b'"jobs":[{"id":"01JDQ3Z9X6V5W4T3S2R1Q0P9N8","json":"{\\"schema\\":1}"}]}')
    three = record(1, 1764064800000, job) + record(2, 1764064800001, b"") + \
        record(3, 1764064800002, job.replace(b"01JDQ3", b"01JDQ4"))
    write("spool_record", "three-records", three)
    write("spool_record", "torn-tail", three[:-7])
    write("spool_record", "zero-tail", three + bytes(100))
    damaged = bytearray(three)
    damaged[len(record(1, 0, job)) + 40] ^= 0x20
    write("spool_record", "corrupt-middle", bytes(damaged))
    write("spool_record", "empty-payload", record(7, 0, b""))


def address_seeds():
    write("address_guard", "mixed", b"10.20.0.0/16,fd00:1234::/32,192.168.1.7\n" + b"\n".join([
        b"8.8.8.8", b"127.0.0.1", b"10.20.3.4", b"169.254.169.254", b"::1", b"::",
        b"::ffff:127.0.0.1", b"::127.0.0.1", b"64:ff9b::a00:1", b"64:ff9b:1::1", b"2002:7f00:1::",
        b"2001:db8::1", b"fe80::1", b"ff02::1", b"2606:4700:4700::1111", b"fd00:1234::5",
        b"10.0.0.0/8", b"10.0.0.1/8", b"0.0.0.0/0", b"::/0", b"2001::/23", b"1.2.3.4/33"]))
    write("address_guard", "bad-networks", b"10.0.0.1/8,not-an-address,::1/129\n127.0.0.1")


def job_seeds():
    docs = (ROOT / "docs" / "job-schema.md").read_text()
    block = re.search(r"```json\n(.*?)```", docs, re.S).group(1)
    write("job_decode", "docs-example.json", block.encode())
    write("job_decode", "manual-tag.json", block.replace('"event": "push"', '"event": "manual"')
          .replace('"ref_type": "branch"', '"ref_type": "tag"')
          .replace('"build_args": {"GO_VERSION": "1.22"}', '"build_args": {}').encode())


def main():
    for target in ["signature", "github_payload", "gitlab_payload", "config", "rules",
                   "tag_template", "spool_record", "address_guard", "job_decode"]:
        shutil.rmtree(OUT / target, ignore_errors=True)
    signature_seeds()
    payload_seeds()
    config_seeds()
    rules_seeds()
    tag_template_seeds()
    spool_seeds()
    address_seeds()
    job_seeds()


if __name__ == "__main__":
    main()
