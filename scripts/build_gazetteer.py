"""Build the gazetteer CSVs in pipeline/data from the shared REFNIS and UiTdatabank files.

Run once; the output is committed and pipeline/data/README.md documents it:

    python scripts/build_gazetteer.py [SHARED_DATA_DIR]   # default: ../shared/data from the repo

Every hand-made fact (2019 and 2025 merger mappings, a few missing deelgemeenten, one
ambiguity preference) is a constant below and is checked against the files before writing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "pipeline" / "data"
DAY = dt.timedelta(days=1)
END_OF_TIME = dt.date(9999, 12, 31)
HISTORY_END = dt.date(2018, 12, 31)
START_2019, END_2019 = dt.date(2019, 1, 1), dt.date(2024, 12, 31)
START_2025 = dt.date(2025, 1, 1)
FUSION_1977 = dt.date(1977, 1, 1)  # deelgemeenten exist as such from the 1977 fusion on
REGIONS = {"02000": "Vlaanderen", "03000": "Wallonië", "04000": "Brussel"}

# Merger mappings, new code -> (new name, {old code: old name}); names are checked against the
# files. 2019 (Flemish mergers) is in no shared file; 2025 is the FUSIONS mapping quoted in the
# shared data README. Both are checked against the codes that end and the codes that appear.
MERGERS_2019 = {
    "12041": ("Puurs-Sint-Amands", {"12030": "Puurs", "12034": "Sint-Amands"}),
    "44083": ("Deinze", {"44011": "Deinze", "44049": "Nevele"}),
    "44084": ("Aalter", {"44001": "Aalter", "44029": "Knesselare"}),
    "44085": ("Lievegem", {"44036": "Lovendegem", "44072": "Waarschoot", "44080": "Zomergem"}),
    "45068": ("Kruisem", {"45017": "Kruishoutem", "45057": "Zingem"}),
    "72042": ("Oudsbergen", {"71047": "Opglabbeek", "72040": "Meeuwen-Gruitrode"}),
    "72043": ("Pelt", {"72025": "Neerpelt", "72029": "Overpelt"}),
}
MERGERS_2025 = {
    "11002": ("Antwerpen", {"11007": "Borsbeek"}),
    "46030": ("Beveren-Kruibeke-Zwijndrecht",
              {"46003": "Beveren", "46013": "Kruibeke", "11056": "Zwijndrecht"}),
    "23106": ("Pajottegem", {"23023": "Galmaarden", "23024": "Gooik", "23032": "Herne"}),
    "37022": ("Tielt", {"37007": "Meulebeke", "37015": "Tielt"}),
    "37021": ("Wingene", {"37012": "Ruiselede", "37018": "Wingene"}),
    "44086": ("Nazareth-De Pinte", {"44012": "De Pinte", "44048": "Nazareth"}),
    "44087": ("Lochristi", {"44034": "Lochristi", "44073": "Wachtebeke"}),
    "44088": ("Merelbeke-Melle", {"44040": "Melle", "44043": "Merelbeke"}),
    "46029": ("Lokeren", {"44045": "Moerbeke", "46014": "Lokeren"}),
    "71072": ("Hasselt", {"71022": "Hasselt", "73040": "Kortessem"}),
    "71071": ("Tessenderlo-Ham", {"71057": "Tessenderlo", "71069": "Ham"}),
    "73110": ("Bilzen-Hoeselt", {"73006": "Bilzen", "73032": "Hoeselt"}),
    "73111": ("Tongeren-Borgloon", {"73009": "Borgloon", "73083": "Tongeren"}),
    "82039": ("Bastenaken", {"82003": "Bastenaken", "82005": "Bertogne"}),
}
# Parts of a municipality that headings use but the UiTdatabank list lacks (name, NIS code).
MANUAL_SUBS = (
    ("Zeebrugge", "31005"),  # port district of Brugge, never a municipality of its own
    ("Berendrecht", "11002"),  # the list only has the district "Berendrecht-Zandvliet-Lillo"
    ("Zandvliet", "11002"),
    ("Lillo", "11002"),
    ("Laken", "21004"),  # joined Brussel in 1921, before the history file starts
    ("Haren", "21004"),
    ("Neder-Over-Heembeek", "21004"),
)
# A bare deelgemeente name used in two municipalities normally resolves to nothing. The two
# Antwerp districts with a homonym elsewhere (Deurne in Diest, Berchem in Kluisbergen) are
# what such a bare name means: they win.
PREFERRED_SUBS = {"Deurne": "11002", "Berchem": "11002"}


def main(argv: list[str]) -> int:
    """Read the shared files, check them, write the CSVs; returns the exit status."""
    src = Path(argv[1]) if len(argv) > 1 else REPO.parent / "shared" / "data"
    history = read_history(src / "refnis_history_1970_2018.csv")
    snap19 = read_snapshot(src / "REFNIS_2019.csv", ",")
    snap25 = read_snapshot(src / "REFNIS_2025.csv", "|")
    repair_names(snap19, [snap25, latest_history_names(history)])
    check_provinces(snap19, history)
    check_provinces(snap25, history)
    munis = merge_periods(
        history
        + [(c, n, p, r, START_2019, END_2019) for c, (n, p, r) in snap19.items()]
        + [(c, n, p, r, START_2025, END_OF_TIME) for c, (n, p, r) in snap25.items()]
    )
    successions = derive_successions(history, snap19, snap25)
    subs = build_sub_rows(read_uitdatabank(src / "uitdatabank_list_of_shapes_deelgemeenten.md"),
                          munis, successions)
    write_csv(OUT_DIR / "municipalities.csv",
              ("nis_code", "name", "province", "region", "valid_from", "valid_to"), munis)
    write_csv(OUT_DIR / "successions.csv",
              ("old_nis", "old_name", "new_nis", "new_name", "valid_from", "kind"), successions)
    write_csv(OUT_DIR / "sub_municipalities.csv",
              ("name", "municipality_nis", "municipality_name", "valid_from", "valid_to",
               "kind", "preferred", "uit_key"), subs)
    print(f"{len(munis)} municipality rows, {len(successions)} successions, {len(subs)} sub rows")
    return 0


def read_history(path: Path) -> list[tuple]:
    """Municipality periods (code, name, province, region, from, to) up to 2018-12-31."""
    with path.open(encoding="cp1252", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    level = {r["CD_REFNIS"]: r["LVL_REFNIS"] for r in rows}
    provinces = {r["CD_REFNIS"]: r for r in rows if r["LVL_REFNIS"] == "2"}
    arrondissements: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        if r["LVL_REFNIS"] == "3":
            arrondissements[r["CD_REFNIS"]].append(r)
    # Brabant (until 1994) has no region; its arrondissements take the region they have later.
    arr_region: dict[str, str] = {}
    for code, periods in arrondissements.items():
        latest = max(periods, key=lambda r: parse_date(r["DT_VLDT_START"]))["CD_SUP_REFNIS"]
        arr_region[code] = REGIONS.get(latest) or REGIONS[provinces[latest]["CD_SUP_REFNIS"]]
    out: list[tuple] = []
    for r in rows:
        if r["LVL_REFNIS"] != "4":
            continue
        start, end = parse_date(r["DT_VLDT_START"]), min(parse_date(r["DT_VLDT_END"]), HISTORY_END)
        for arr in arrondissements[r["CD_SUP_REFNIS"]]:
            a_start, a_end = parse_date(arr["DT_VLDT_START"]), parse_date(arr["DT_VLDT_END"])
            lo, hi = max(start, a_start), min(end, a_end)
            if lo > hi:
                continue
            sup = arr["CD_SUP_REFNIS"]
            province = strip_prefix(provinces[sup]["TX_REFNIS_NL"]) if level[sup] == "2" else ""
            out.append((r["CD_REFNIS"], clean_history_name(r["TX_REFNIS_NL"]), province,
                        arr_region[r["CD_SUP_REFNIS"]], lo, hi))
    return out


def read_snapshot(path: Path, delimiter: str) -> dict[str, tuple[str, str, str]]:
    """code -> (Dutch name, province, region) from a REFNIS snapshot, hierarchy by row order."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=delimiter))[1:]
    out: dict[str, tuple[str, str, str]] = {}
    region = province = arrondissement = ""
    for row in rows:
        code, name, taal = row[3].strip().zfill(5), row[4].strip(), row[5].strip()
        if taal:
            assert code[:2] + "000" == arrondissement, (path.name, code, arrondissement)
            out[code] = (name, province, region)
        elif code.startswith("0"):
            region, province = REGIONS.get(code, ""), ""
        elif code.endswith("0000") or code in ("20001", "20002"):
            province = strip_prefix(name)
        else:
            arrondissement = code
    return out


def repair_names(snapshot: dict, sources: list[dict]) -> None:
    """Fill each U+FFFD from the same code's name in another file that fits the rest."""
    for code, (name, province, region) in list(snapshot.items()):
        if "\ufffd" not in name:
            continue
        parts = name.split("\ufffd")
        pattern = re.compile("(.)".join(map(re.escape, parts)), re.IGNORECASE)
        fits = [m for s in sources if code in s and (m := pattern.fullmatch(s[code][0]))]
        assert fits, f"cannot repair {code} {name!r}"
        # Only the damaged characters are taken over; the rest keeps this file's spelling.
        fill = fits[0].groups()
        repaired = "".join(p + (fill[i] if i < len(fill) else "") for i, p in enumerate(parts))
        snapshot[code] = (repaired, province, region)


def latest_history_names(history: list[tuple]) -> dict[str, tuple[str, str, str]]:
    return {c: (n, p, r) for c, n, p, r, _, end in history if end == HISTORY_END}


def check_provinces(snapshot: dict, history: list[tuple]) -> None:
    """Provinces from row order must agree with the NIS code digits and with the history file."""
    by_digit = {"1": "Antwerpen", "3": "West-Vlaanderen", "4": "Oost-Vlaanderen",
                "5": "Henegouwen", "6": "Luik", "7": "Limburg", "8": "Luxemburg", "9": "Namen"}
    brabant = {"21": "", "23": "Vlaams-Brabant", "24": "Vlaams-Brabant", "25": "Waals-Brabant"}
    at_2018 = latest_history_names(history)
    for code, (_, province, _) in snapshot.items():
        assert province == by_digit.get(code[0], brabant.get(code[:2])), (code, province)
        if code in at_2018:
            assert province == at_2018[code][1], (code, province, at_2018[code])


def merge_periods(periods: list[tuple]) -> list[tuple]:
    """One row per unchanged stretch: adjoining periods with equal name/province/region merge."""
    out: list[list] = []
    for code, name, province, region, start, end in sorted(periods, key=lambda p: (p[0], p[4])):
        last = out[-1] if out else None
        if last and last[:4] == [code, name, province, region] and last[5] + DAY == start:
            last[5] = end
        else:
            assert not last or last[0] != code or last[5] < start, (code, start)
            out.append([code, name, province, region, start, end])
    return [tuple(row) for row in out]


def derive_successions(history: list[tuple], snap19: dict, snap25: dict) -> list[tuple]:
    """(old code, old name, new code, new name, first day, kind) for 2019 and 2025 changes."""
    at_2018 = latest_history_names(history)
    gone19, new19 = set(at_2018) - set(snap19), set(snap19) - set(at_2018)
    flemish_gone = {c for c in gone19 if at_2018[c][2] == "Vlaanderen"}
    out = merger_rows(MERGERS_2019, at_2018, snap19, START_2019)
    assert flemish_gone == {row[0] for row in out}, flemish_gone
    # Hainaut's 2019 arrondissement reform renumbered municipalities: same name, new code.
    renumbered = {fold(snap19[c][0]): c for c in new19 - set(MERGERS_2019)}
    for old in sorted(gone19 - flemish_gone):
        new = renumbered.pop(fold(at_2018[old][0]))
        out.append((old, at_2018[old][0], new, snap19[new][0], START_2019, "renumbering"))
    assert not renumbered, renumbered
    gone25, new25 = set(snap19) - set(snap25), set(snap25) - set(snap19)
    rows25 = merger_rows(MERGERS_2025, snap19, snap25, START_2025)
    assert gone25 == {row[0] for row in rows25}, gone25
    assert new25 <= set(MERGERS_2025), new25
    return sorted(out + rows25)


def merger_rows(mergers: dict, before: dict, after: dict, start: dt.date) -> list[tuple]:
    """Succession rows for a merger table, after checking its names against both files."""
    out: list[tuple] = []
    for new, (new_name, olds) in mergers.items():
        assert fold(after[new][0]) == fold(new_name), (new, after[new][0], new_name)
        for old, old_name in olds.items():
            assert fold(before[old][0]) == fold(old_name), (old, before[old][0], old_name)
            assert old not in after, old
            out.append((old, before[old][0], new, after[new][0], start, "merger"))
    return out


def read_uitdatabank(path: Path) -> list[tuple[str, str, str]]:
    """(deelgemeente name, parent NIS code, UiTdatabank key) for every 'Name (Parent)' row."""
    out: list[tuple[str, str, str]] = []
    parents: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(.+?)\s*\|\s*nis-(\d{5})(\S*)\s*\|", line)
        if not m:
            continue
        label, code, suffix = m.groups()
        if label.endswith("+ deelgemeenten"):
            parents[code] = label.removesuffix("+ deelgemeenten").strip()
        elif sub := re.fullmatch(r"(.+) \((.+)\)", label):
            assert parents[code] == sub.group(2), label
            # The page writes an apostrophe as a double quote ("s-Gravenwezel, Braine-l"Alleud).
            out.append((sub.group(1).replace('"', "'"), code, f"nis-{code}{suffix}"))
    return out


def build_sub_rows(uit: list[tuple], munis: list[tuple], successions: list[tuple]) -> list[tuple]:
    """Dated deelgemeente rows, following each parent code through the 2019 and 2025 changes."""
    rows_of: defaultdict[str, list[tuple]] = defaultdict(list)
    for row in munis:
        rows_of[row[0]].append(row)
    successor = {old: (new, start) for old, _, new, _, start, _ in successions}
    found: dict[tuple, tuple] = {}

    def add(name: str, code: str, start: dt.date, kind: str, key: str) -> None:
        for seg_code, seg_name, lo, hi in follow(code, start, rows_of, successor):
            preferred = int(PREFERRED_SUBS.get(name) == seg_code)
            row = (name, seg_code, seg_name, lo, hi, kind, preferred, key)
            # A former municipality is also listed as its own deelgemeente: keep one row.
            found.setdefault((fold(name), seg_code, lo, hi), row)

    for _old, old_name, new, new_name, start, kind in successions:
        if kind == "merger" and fold(old_name) != fold(new_name):
            add(old_name, new, start, "former_municipality", "")
    for name, code, key in uit:
        add(name, code, FUSION_1977, "deelgemeente", key)
    for name, code in MANUAL_SUBS:
        assert not any(k[0] == fold(name) and k[1] == code for k in found), name
        add(name, code, FUSION_1977, "manual", "")
    for name, code in PREFERRED_SUBS.items():
        assert any(k[0] == fold(name) and k[1] == code for k in found), name
    return sorted(found.values(), key=lambda r: (r[1], fold(r[0]), r[3]))


def follow(code: str, start: dt.date, rows_of: dict, successor: dict) -> list[tuple]:
    """(code, municipality name, from, to) segments of a place from `start`, via successors."""
    out: list[list] = []
    while True:
        for _, name, _, _, lo, hi in rows_of[code]:
            if hi < start:
                continue
            if out and out[-1][:2] == [code, name]:
                out[-1][3] = hi
            else:
                out.append([code, name, max(lo, start), hi])
        end = max(r[5] for r in rows_of[code])
        if end == END_OF_TIME:
            return [tuple(s) for s in out]
        code, start = successor[code]
        assert start == end + DAY, (code, start, end)


def clean_history_name(name: str) -> str:
    # Statbel adds the arrondissement to homonyms ("Hove (Antwerpen)"); the snapshots do not.
    return re.sub(r"\s*\([^)]*\)$", "", name).replace("\u2019", "'").strip()


def strip_prefix(name: str) -> str:
    return name.removeprefix("Provincie ").strip()


def parse_date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def fold(name: str) -> str:
    """Comparison key only: no accents, no case, hyphens and apostrophes ignored."""
    decomposed = unicodedata.normalize("NFKD", name.replace("\u0153", "oe"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[^\W_]+", plain.replace("'", "")))


def write_csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(v.isoformat() if isinstance(v, dt.date) else v for v in row)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
