"""Demo buildings: where they stand in their cells, their floors, households and standard
addresses (标准地址)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gis.demo.geometry import CLASSES, DemoSize, RegionSet, Settlement, unique_names
from gis.demo.partition import apportion, draw_inside

# Relative households per building in each class (blocks of flats, market-town houses,
# farmhouses), scaled so the totals meet DemoSize.buildings.
RELATIVE_HOUSEHOLDS_PER_BUILDING = np.array([24.0, 6.0, 1.5])
ROAD_SUFFIXES = {"路": 0.5, "街": 0.3, "大道": 0.1, "巷": 0.1}


def place_buildings(
    *, cells: list[dict], regions: RegionSet, size: DemoSize, seed: int
) -> pd.DataFrame:
    """Buildings whose households add up to size.households, clustered as people settle.

    One row per building: lon, lat (strictly inside its cell), address, floors,
    households_count, cell_code, village_code; ordered by cell, then west to east.
    """
    rng = np.random.default_rng(seed)
    households = apportion(regions.settlement.class_shares(), size.households)
    buildings = apportion(households / RELATIVE_HOUSEHOLDS_PER_BUILDING, size.buildings)
    buildings = np.clip(buildings, np.minimum(households, 1), households)
    tree = shapely.STRtree([cell["geometry"] for cell in cells])
    parts = [_buildings_of_class(regions.settlement, tree, klass, count, households[klass], rng)
             for klass, count in enumerate(buildings.tolist()) if count]
    table = pd.concat(parts, ignore_index=True)
    table = table.sort_values(["cell", "lon"], kind="stable", ignore_index=True)
    table["address"] = _addresses(table["cell"].to_numpy(), cells, regions, rng)
    table["cell_code"] = [cells[i]["code"] for i in table["cell"]]
    table["village_code"] = table["cell_code"].str[:12]
    columns = ["lon", "lat", "address", "floors", "households_count", "cell_code", "village_code"]
    return table[columns]


def _buildings_of_class(settlement: Settlement, tree, klass: int, count: int, households: int,
                        rng) -> pd.DataFrame:
    """count buildings of one class holding households in all; blocks vary more in size."""
    lonlat, owners = draw_inside(lambda n: settlement.sample(n, rng, klass=klass)[0], tree, count)
    sizes = rng.lognormal(0.0, 0.3 if CLASSES[klass] == "rural" else 0.6, count)
    per_building = 1 + rng.multinomial(households - count, sizes / sizes.sum())
    return pd.DataFrame({"lon": lonlat[:, 0], "lat": lonlat[:, 1], "cell": owners,
                         "floors": _floors(klass, per_building, rng),
                         "households_count": per_building})


def _floors(klass: int, households: np.ndarray, rng) -> np.ndarray:
    """Floors: 2–4 flats a floor in blocks, 2 in market-town houses; farmhouses 1–3 floors."""
    if CLASSES[klass] == "urban":
        flats_per_floor = rng.integers(2, 5, len(households))
        return np.clip(np.ceil(households / flats_per_floor), 3, 33).astype(int)
    if CLASSES[klass] == "market":
        return np.clip(np.ceil(households / 2), 1, 9).astype(int)
    return rng.integers(1, 4, len(households))


def _addresses(cell_index: np.ndarray, cells: list[dict], regions: RegionSet, rng) -> list[str]:
    """标准地址: district, town, village, then road and number (社区) or 组 and number (村).

    cell_index must be sorted (buildings ordered by cell, then west to east): numbers run
    1, 2, 3… along each cell's road or group.
    """
    towns = {town["code"]: town["name"] for town in regions.towns}
    by_village: dict[str, list[dict]] = {}
    for cell in cells:
        by_village.setdefault(cell["village_code"], []).append(cell)
    streets = {}
    for village in regions.villages:
        mine = by_village.get(village["code"], [])
        if village["urban"]:
            suffixes = rng.choice(list(ROAD_SUFFIXES), len(mine), p=list(ROAD_SUFFIXES.values()))
            names = unique_names(rng, len(mine))
            labels = [name + str(suffix) for name, suffix in zip(names, suffixes, strict=True)]
        else:
            labels = [f"{int(cell['code'][-3:])}组" for cell in mine]
        prefix = f"{regions.district['name']}{towns[village['parent_code']]}{village['name']}"
        streets.update((cell["code"], prefix + label)
                       for cell, label in zip(mine, labels, strict=True))
    prefixes = [streets[cell["code"]] for cell in cells]
    numbers = np.arange(len(cell_index)) - np.searchsorted(cell_index, cell_index) + 1
    return [f"{prefixes[c]}{n}号"
            for c, n in zip(cell_index.tolist(), numbers.tolist(), strict=True)]
