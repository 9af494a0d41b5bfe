"""The compact city table: how names fold, how the file is laid out, what the shipped one holds."""

from __future__ import annotations

from digests.cities import CityRecord, CityTable, build_table, city_key, city_table


def test_names_fold_case_accents_arabic_forms_the_article_and_punctuation() -> None:
    assert city_key("Tel-Aviv") == city_key("tel aviv") == city_key("TelAviv")
    assert city_key("São Paulo") == city_key("sao paulo")
    assert city_key("تل أبيب") == city_key("تل ابيب")
    assert city_key("البصرة") == city_key("بصره") == city_key("البَصْرَة")
    assert city_key("St. John's") == city_key("st johns")
    # The conjunction و is part of names, not cut: Oran is not Haran.
    assert city_key("وهران") != city_key("هران")


def test_a_built_table_finds_every_name_most_populous_first_one_per_zone() -> None:
    records = [
        CityRecord("Portland", "US", "America/New_York", 66_000, ("Portland ME",)),
        CityRecord("Portland", "US", "America/Los_Angeles", 650_000, ("بورتلاند",)),
        CityRecord("Small Portland", "US", "America/Los_Angeles", 20_000, ("Portland",)),
        CityRecord("Baghdad", "IQ", "Asia/Baghdad", 7_216_000, ("بغداد", "Bagdad")),
    ]
    table = CityTable(build_table(records, "test"))
    assert (table.city_count, table.source) == (4, "test")
    found = table.find("PORTLAND")
    assert [(c.zone, c.country) for c in found] == [
        ("America/Los_Angeles", "US"),
        ("America/New_York", "US"),
    ]
    assert table.find("بَغداد")[0].name == "Baghdad"
    assert table.find("Baghdad")[0].rank == 0
    assert table.find("Nowhere") == []
    assert [c.name for c in table.close_to("Bagdadd")] == ["Baghdad"]
    assert [c.zone for c in table.in_country("us")] == ["America/Los_Angeles", "America/New_York"]


def test_the_shipped_table_holds_cities15000() -> None:
    table = city_table()
    assert table.city_count > 30_000
    assert len(table) > 250_000
    assert "GeoNames cities15000" in table.source
    assert table.city(0).rank == 0
    assert table.find("الموصل")[0].name == "Mosul"
