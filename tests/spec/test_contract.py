"""The names custom/ uses from the generated package: listed, kept current, checked at generation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools.specbuild import contract
from tools.specbuild.pipeline import (
    CUSTOM_ROOT,
    DEFAULT_CONTRACT,
    DEFAULT_OUT,
    DEFAULT_OVERLAY,
    DEFAULT_SPEC,
    ContractError,
    generate,
)


def test_the_committed_list_is_current() -> None:
    assert sorted(contract.scan(CUSTOM_ROOT)) == contract.read(DEFAULT_CONTRACT), (
        "custom/ uses other generated names than tools/specbuild/contract.txt lists: run `make contract`"
    )


def test_the_committed_package_provides_every_listed_name() -> None:
    assert contract.missing(DEFAULT_OUT, contract.read(DEFAULT_CONTRACT)) == []


def test_scan_finds_imports_module_attributes_and_dynamic_imports(tmp_path: Path) -> None:
    root = tmp_path / "custom"
    root.mkdir()
    (root / "a.py").write_text(
        "import importlib\n"
        "from ibkr_webapi_client.api.orders import place_order\n"
        "from ibkr_webapi_client.models import OrderRequest\n"
        "place_order.asyncio_detailed\n"
        "OrderRequest.from_dict\n"
        "m = importlib.import_module('ibkr_webapi_client.models')\n"
        "m.MarketDataSnapshot\n"
    )
    uses = contract.scan(root)
    assert set(uses) == {
        "ibkr_webapi_client.api.orders:place_order",
        "ibkr_webapi_client.api.orders.place_order:asyncio_detailed",
        "ibkr_webapi_client.models:OrderRequest",
        "ibkr_webapi_client.models:MarketDataSnapshot",
    }
    assert uses["ibkr_webapi_client.models:OrderRequest"] == ["custom/a.py:3"]


def test_missing_names_are_explained_with_where_custom_uses_them() -> None:
    absent = contract.missing(
        DEFAULT_OUT,
        [
            "ibkr_webapi_client.models:Position",
            "ibkr_webapi_client.models:NoSuchModel",
            "ibkr_webapi_client.api.orders:no_such_operation",
            "ibkr_webapi_client.api.orders.place_order:asyncio_detailed",
            "ibkr_webapi_client.api.orders.place_order:no_such_function",
        ],
    )
    assert absent == [
        "ibkr_webapi_client.api.orders.place_order:no_such_function",
        "ibkr_webapi_client.api.orders:no_such_operation",
        "ibkr_webapi_client.models:NoSuchModel",
    ]
    [line] = contract.explain(["ibkr_webapi_client.models:Position"], CUSTOM_ROOT)
    assert line.startswith("ibkr_webapi_client.models has no 'Position' (used at custom/")


def test_generate_refuses_a_package_that_lacks_a_listed_name(tmp_path: Path) -> None:
    listed = tmp_path / "contract.txt"
    listed.write_text("ibkr_webapi_client.models:Renamed\nibkr_webapi_client.api.x:gone\n")
    out = tmp_path / "ibkr_webapi_client"
    with pytest.raises(ContractError) as caught:
        generate(DEFAULT_SPEC, DEFAULT_OVERLAY, out, contract_file=listed)
    assert "lacks 2 name(s)" in str(caught.value)
    assert "ibkr_webapi_client.models has no 'Renamed'" in str(caught.value)
    assert not out.exists(), "nothing may be written when the contract fails"


def test_checking_the_contract_takes_no_generation(tmp_path: Path) -> None:
    package = tmp_path / "ibkr_webapi_client"
    shutil.copytree(DEFAULT_OUT, package)
    (package / "api" / "orders" / "place_order.py").unlink()
    absent = contract.missing(package, contract.read(DEFAULT_CONTRACT))
    assert "ibkr_webapi_client.api.orders:place_order" in absent
