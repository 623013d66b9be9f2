"""Rows a sink before round 56 wrote for calls that were no inference are read as no row (round 57).

KServe v0.20.0's agent logs every call through the predictor but kubelet probes
(``pkg/logger/handler.go``), and a response only for HTTP 200: a client's health or metadata GET
(``GET /v2/models/credit/ready``) was an empty request event (refused, 400) and a 200 response
event holding the model server's answer (``{"name": "credit", "ready": true}``). Before round 56
the sink stored that response as a lone response half with no prediction, error or value; round
56 refuses such events (``not_inference``), but the rows already written stay in existing logs, and
readers counted them as served rows (``reader.served``: a response and no error), fed their null
features and predictions to drift and looked up their requests in the day before.

The Parquet files below are frozen bytes (zlib, base64) that the sink of commit ``79adfb3c^`` (the
commit before round 56's refusal) wrote for five such calls (``GET /v2/models/credit/ready``,
``/v2/health/live``, ``/``, ``/v2/models``, ``/v2``; their request events refused), a response
half whose request never came (``half-1``: ``{"predictions": [0]}``) and a complete call
(``call-1``), all at 2026-11-22T10:31:02.417Z (``model=credit/date=2026-11-22/revision=…``).
"""

from __future__ import annotations

import base64
import zlib

import pandas as pd
import pytest

from ctloop.inference_log import reader, scan

# revision=unknown: the five GET answers and half-1
UNKNOWN = (
    "eNrVV79v20YUPsqOLMmUIwchQQVG4aE5OEhsSVSUWEGCgrIt2anj2IJtyRpqUDQtKaZEVaIt25MRdCg6FBmCoOgQBEWHImOHTh06"
    "FJmCTh2L/AUdig5FEXjoveMPSyKV1tlK0Hfku/e+77177x7lVSmf4Ia5LxmuucyxHLqEUO5mECFUUY3plirvHAXCYVarHajjbKSl"
    "60YoLAh1fUfV2v7w2I0D0U90q7K2O53gEMdzV24QlAjn5/wTt9CU31wRAoBGQcaJ+uiUj4wsMzT0+SsfIY9wl5c5H+UOTCDrImiX"
    "OP4MTQjYK2dPPJrykFKO4KTJwbCIMFzmBJsh9CF4rLTUnZrRzwEemyuCNXtgEWUby38ZFhptDxxfoy2QPw97ske2/ejUCFnYb+w1"
    "9E7DA2TEWhLsBw+4AMfacMOs18YRHCR4bcoV7gPbMhyHlDchZMXQWx4QQWdROHv0AJ3l7tqgE5pAFsS4eGs6kZgWxfVE/E4ycScu"
    "ztxM3C55cAiDdIWBKy4PEDfGXQJUZFYNw5Cb1AmdqfaIYGp/5NZF5AZdmHt0ITLE+ZbJAJF10VjOs2fK6P+q/L7H8IQPeRzDk67U"
    "DE0yPsIQPR1PIcHfVqpqXeYmEcde9Qmhlvrpvto2tms7V9Ey8HLDRByoNdqG3FBUU+sCbTm2AkiCDbmutpuyonZLAy31oNau6Y1u"
    "YZgabx+orf6VoKLXm3pDbRjd0mGjVndQERGwVbm93SJseqOtmqJRU0Rdt7C267W2cdRUd3oYtnXCu6vpnW6pf7tT1TW1V6S2WnrL"
    "FoWIiDk055B14IjziGejE9HTCEYTHBtNIX8k2r2DnI9n+ac+/i2DnzE4MKgFR2+YtQHZjZDpLv9J1B/FUAcIkIctZCcJFPdHhv+Z"
    "wd/78GPf+bqxi+5aN5kdhpliyvSE4b9i8Nsh/GrIuye7A1iMemGeFQnFPeRPGPzFBfxmuLdFu+EETzinuijaM4Z/zuCnfvzmwqBm"
    "7QZe9wTurVCKrvEG/nYEn3Y1cDca8o7aqWqK9A3Dv2TwywD+Y+RdndyNrnmi09NBgU8Z/jMf/jOIvw6+f/t2077w9fCi6FU/ivae"
    "QUq/zhfx89G7rhYfnYCW56ozC6f74DowfwFMX/cfAONssnPcLZQS/p3Fv7DQVwckin6eezHs5uBgvArj78LnwbBaiQPwYgw/Hjsf"
    "AG08DsDbMfzbfwIIWQDMoWP760X8w0VP22tell2NravD/BTBTyLn+9B40oXg08OfjPMsDvCvIaECK+XzDwt3zC+Q8HcgBldCmpck"
    "aU0yr48lqSNlKlJWkirSXIXKMhlJegAPc5K0RAVnszXMd4i6pIN4cY2oZRbgPQvvD0FjrgMMVWkBhGBRgfdZMDWRN2CUKRQlXYBh"
    "azUZi3XAuwfUv0Xqju2qZPq3mDkqFfLNrWS+WRZvStJKiwQFyEvSXp99rs+ePi5WIF7i6BbM5lWZm43txmI09jyVbDmhmheFKoqb"
    "R0o9fUQ80UE/5fBtePJR/Gw6KefS7RIRx6n+8XXT34UsDTrTceI3rz0Q7paTJU2pl9rlpAKbRP17uHq7h8+1P2uUz5CLK3G1mNFK"
    "VPiI8KX3YgdWfFWqqvTFt0zzkcseF5P3NaW4qSnJNWkT+FLztr+5Basoev0FhzL6VnFlV6lvHiu59L4i0vRKVbCfne+Lt9JnD05n"
    "4nIhoZkVCfsT0x1/857+3qdJEtMG8JUKqTi8i8B3uB7r4XP5C6oZoyzmtXI2LZaK94/lQnqfqq4S03ifvSs/4D+pwWKpqYjaQdms"
    "oTgcLQXs/y0/uVS1XIB9yj4q0fd5YnRdAft31F8WhnIhvVcqAMHcEugfOnxLa86mdPPRotT2lWS+Wq6vaLb/8/Q8K9bWOPAQ5Aas"
    "kxQtmnklYI4Tg/ZTt/YjmyiRuiuK2p65bpveu4eEyabcIt8gY1ppNqdl0oA7k9bXf1JMzcRnEuRHHvkheK4bKaMIrZJ/6P8BnC/O"
    "sQ=="
)
# revision=v2: call-1, request and response
V2 = (
    "eNrNV79v20YUPjKyIsuyoRghQRVG4aE5pEgcSVSUWIGD4GRbtlPHsYXEkrkYFE1LiilRlWTL9hQUHTp2zBgURVB0KPIHZOyYoUP/"
    "gqJjh6BDkUFD7x1/iBLpxC4ylJB55Lv3vu97d++e5E1STAsh4aogrQu8gKYRin4RRghpqmHMpQUkTAviTToTF8JCeOYOuh62ZiR7"
    "vHKFOo/P8vTOcxyPKFZcuOpgRWaQfY0iSRFnZvAkousB1gAGv9q2vlfvBqplM5I9BmDFhLiDFb4KE81OAA7f7Ej07zzxR3JQ/JEs"
    "0b+A+Kgw5cSPxTk6ERTOyRIXFPyZ8LkTPJkapxMtSFPrmu0AkHF3Uho8BoDOCwsO6IwhgaKUfGcunZ6T5Sfp1L1M+l5KvnU7fVcJ"
    "4JDO8pXOnPEpQMKUMA2oyKoUjqMfWhtsZN6XJdv7Qr4h6sSv0xtk5qGxxfMDZ4T+P84Bp+ndg7NO07sHg6fBafJaz3dePy1Don8l"
    "i6RwR6vpDVWYRULsGi9F2/rXh3qnu1vfu4bWgVcIUXOk3ux01aamW15jDXNPNxwHsIw31Ybeaama7rVG2vpRvVM3m17jJAvePdLb"
    "ozPjmtlomU292fVaQ916w0VF1BCrqZ3dNmUzmx3dMk1YJibdxtpt1Dvdk5a+N8Swa1LefcPsea3h3V7NNPRhk95um23HFKUm7tga"
    "o/YppeKRyCdmEv04RjNCLJFF4XjCu4ICL/Li95z4gsMLOBLcphM3rdKDkovTYUGMJcIJDGWGADZkw7o7wEDfcOKvHP6Nwy+5i/Vs"
    "H92XXjInB2t/PfJfXMJ/8sGd+2MJOJiDCmG4x+JzDv8Uwv1Lw43cDxcKhHNLy4M2hvuh4bZ+XrThmmSQbfEUvwrj/pi30/vx+OBk"
    "3UpmWD9w4s8cfn0Z//PBlu9Hnw5EZyeCAfc58Vsev4/gl5H/3uf9tKkhWpS4FkaJ4WPH2J+IZfxjdMHX3hMz0Ed91WXjeM+qC9M/"
    "P4y7xu4Jt1EU/PcE/n0CmrU/JQQpAcQIhtMPXIy3MfxL7CIYdvdwAV5N4u8mLwbAeo0L8HwK/3EugKgNwB17msJfU/jN1MW+GD7c"
    "FBwWT9/z0L2O4+fxT0Unvo2LPI6Ib2DzpRgpFh+X7llfUNL7SBKuNFkihGwR6/qKkB7JV0mBkCpZrDJbPk/II3hYJGSNGQajfVvq"
    "UXdignl1i7rll+G9AO+PwWOxBww1sgxGiKjC+zyEWshP4a4yKEa6DLedzUwy2QN1j5i+VSbHkUosfav5E6VUbO1kiq2KfJuQjTZN"
    "CpDXyMFI/MpIPHtcrUK+VOgOjNZVXZxP7ieTLPcis+y4qVoXgyrL2ydaI3dClZjgn3X5ngbyMfxCLqOu5DoKNaeY/+kNS+9ygSWd"
    "77n5W9cBGPcrGcXQGkqnktFgkZi+x5t3h/h867PF+LpqeSOll/OGwozPKF/uIHlk51djrtpIfutsP1YKp+XMQ0MrbxtaZotsA192"
    "ydG7smwXxbBeEJQ3d8ob+1pj+1RbyR1qMtteUoP4+aWRfKsj8SA6n1JLacOqSFifpOnqLQbqfcg2Sc51gU8pZVPwLgPf8ZPkEJ9P"
    "L7jmuxW5aFQKOVkpPzxVS7lD5rpJQ1Mj8b79Af20BstKS5ONo4pVQyk4WhrEf2x/VrK1SgnWqfBMYe9LNOiGBvEfqL8C3Cql3IFS"
    "AoLFNfA/dvnWttxF8fKxojQOtUyxVmlsGI7+JXaeNXtpXHhI8inM0y1atfaVgrkizlpP016PQlqhdVeWjQNr3gm9fx9Jsy21Tb+v"
    "unNaqzWn0mbdm7V/KszK2VupW2n6G5D+TrzQB30zgdAm/T//X6gIw0s="
)
GETS = {"get-ready", "get-live", "get-root", "get-models", "get-v2"}
START, END = pd.Timestamp("2026-11-22T10:00:00Z"), pd.Timestamp("2026-11-22T11:00:00Z")


@pytest.fixture
def old_log(tmp_path):
    day = tmp_path / "log" / "model=credit" / "date=2026-11-22"
    for revision, data in (("unknown", UNKNOWN), ("v2", V2)):
        (day / f"revision={revision}").mkdir(parents=True)
        (day / f"revision={revision}" / "part-0.parquet").write_bytes(
            zlib.decompress(base64.b64decode(data))
        )
    return tmp_path / "log"


def _read(root, how: str) -> pd.DataFrame:
    if how == "read_log":
        return reader.read_log(str(root), "credit", START, END)
    columns = None if how == "scan" else ["has_request", "has_response", "x"]
    chunks = list(
        scan.scan_window(str(root), "credit", START, END, columns=columns, progress=False)
    )
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()


@pytest.mark.parametrize("how", ["read_log", "scan", "projected"])
def test_old_rows_of_no_inference_are_skipped_and_counted(old_log, how, capsys):
    stored = pd.concat([pd.read_parquet(p) for p in sorted(old_log.rglob("*.parquet"))])
    assert GETS <= set(
        stored["request_id"]
    )  # the frozen files hold them (before: read as 7 rows, 6 served)
    rows = _read(old_log, how)
    assert sorted(rows["request_id"]) == ["call-1", "half-1"]
    assert sorted(reader.served(rows)["request_id"]) == ["call-1", "half-1"]
    said = capsys.readouterr().err
    assert "skipped 5 response half row(s) of credit with no prediction, error or value" in said, (
        said
    )


def test_a_log_without_them_says_nothing(old_log, capsys):
    (next(old_log.rglob("revision=unknown")) / "part-0.parquet").unlink()
    assert reader.read_log(str(old_log), "credit", START, END)["request_id"].tolist() == ["call-1"]
    assert capsys.readouterr().err == ""


def test_drift_reads_of_the_log_as_a_table_skip_them_too(old_log, capsys):
    """``ctloop drift --current <log dir>``: the memory engine (``drop_no_instance``) and the
    stream engine's dataset filter (``no_instance_filter``) leave them out as read_log does."""
    import pyarrow.dataset as ds

    table = reader.read_parquet_tree(str(old_log / "model=credit"))
    assert sorted(set(reader.drop_no_instance(table)["request_id"])) == ["call-1", "half-1"]
    assert "skipped 5 response half row(s) of credit" in capsys.readouterr().err
    dataset = ds.dataset(str(old_log / "model=credit"), format="parquet", partitioning="hive")
    keep = reader.no_instance_filter(dataset.schema.names, {f.name: f.type for f in dataset.schema})
    assert sorted(set(dataset.to_table(filter=keep).column("request_id").to_pylist())) == [
        "call-1",
        "half-1",
    ]


def test_the_line_names_null_answers_too(capsys):
    # the rule cannot tell a GET's row from a lone answer whose predictions were all null (logger mode
    # "response"); the line said only "health or metadata GETs", blaming a model answering null on
    # probes (round 57 review)
    frame = pd.DataFrame({"request_id": ["r1"], "has_request": [False], "has_response": [True],
                          "prediction": [None]})
    assert reader.no_inference(frame).tolist() == [True]
    reader.say_no_inference(1, "credit")
    said = capsys.readouterr().err
    assert "health or metadata GETs" in said and "predictions were all null" in said, said
