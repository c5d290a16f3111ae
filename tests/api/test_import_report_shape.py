"""Every import answers with one report shape: a people import's report has the keys of a
region or layer import's (gis.ingest.schemas.ReportCore), its rejections are listed alike
(index from 0, field, reason), and a refused commit carries the report in details.report."""
from __future__ import annotations

from gis.ingest.schemas import Rejection, ReportCore
from tests.api.test_imports import upload
from tests.gis.ingest_samples import hierarchy_frame, write_sample

HOUSEHOLDS = "户编号,经度,纬度\nH1,106.015,29.805\nH2,abc,29.805\n".encode()


def regions_refused(client, tmp_path) -> dict:
    frame = hierarchy_frame()
    frame.loc[0, "名称"] = ""
    response = upload(client, "/imports/regions", write_sample(tmp_path, frame, "geojson"),
                      commit=True)
    assert response.status_code == 422, response.text
    return response.json()["details"]["report"]


def households_refused(client) -> dict:
    response = client.post("/imports/people/households",
                           files={"file": ("hh.csv", HOUSEHOLDS)}, data={"commit": "true"})
    assert response.status_code == 422, response.text
    return response.json()["details"]["report"]


def test_a_people_report_has_every_key_a_region_report_has(client, three_cells, tmp_path):
    regions, households = regions_refused(client, tmp_path), households_refused(client)
    shared = set(ReportCore.model_fields)
    assert shared <= set(regions) and shared <= set(households)
    assert set(regions) - set(households) <= {"layer", "coverage", "regions", "layer_change"}
    for report in (regions, households):
        assert report["rejected"] and set(Rejection.model_fields) <= set(report["rejected"][0])
        assert report["committed"] is False


def test_a_people_rejection_names_the_row_and_the_field(client, three_cells):
    report = households_refused(client)
    assert (report["source"], report["kind"]) == ("hh.csv", "households")
    assert (report["features_read"], report["valid"]) == (2, 1)
    # row 3 of the sheet (the header is row 1) is the second data row: index 1
    [rejected] = report["rejected"]
    assert (rejected["index"], rejected["where"], rejected["field"]) == (1, "row 3", "lon")
    assert rejected["reason"]
    assert report["invalid_rows"] == 1  # the people-only keys stay
