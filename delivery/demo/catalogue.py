"""The demo shop's catalogue: products, prices per currency, and which ones can be returned."""

from __future__ import annotations

from dataclasses import dataclass

CURRENCY_BY_COUNTRY = {"GB": "GBP", "IT": "EUR", "FI": "EUR", "PL": "PLN"}


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price_eur_cents: int
    returnable: bool = True

    def price_minor(self, currency: str) -> int:
        """The shelf price in ``currency``'s minor units, rounded the way shops do (…99 / …9)."""
        if currency == "GBP":
            return _charm(self.price_eur_cents * 86 // 100, 100)
        if currency == "PLN":
            return _charm(self.price_eur_cents * 43 // 10, 1000)
        return self.price_eur_cents

    @property
    def image_url(self) -> str:
        return f"https://shop.example.com/images/{self.sku.lower()}.jpg"


def _charm(amount: int, step: int) -> int:
    """Round up to the next whole ``step`` and subtract one minor unit: 1234 -> 1299."""
    return max(step, (amount + step - 1) // step * step) - 1


PRODUCTS: tuple[Product, ...] = (
    Product("TEE-ORG-BLK", "Organic cotton T-shirt, black", 2500),
    Product("TEE-ORG-WHT", "Organic cotton T-shirt, white", 2500),
    Product("SHI-LIN-BLU", "Linen shirt, sky blue", 5900),
    Product("JNS-SLM-IND", "Slim jeans, indigo", 7900),
    Product("DRS-SUM-FLR", "Summer dress, floral", 6900),
    Product("KNT-MER-GRY", "Merino jumper, grey", 8900),
    Product("JKT-RAI-NAV", "Rain jacket, navy", 12900),
    Product("COA-WOL-CAM", "Wool coat, camel", 21900),
    Product("SCF-WOL-RED", "Wool scarf, red", 3900),
    Product("BLT-LEA-BRN", "Leather belt, brown", 4500),
    Product("SNK-RUN-WHT", "Running shoes, white", 11900),
    Product("BOT-CHE-BLK", "Chelsea boots, black", 15900),
    Product("SCK-SPT-3PK", "Sports socks, 3 pairs", 1500),
    Product("BAG-TOT-CAN", "Canvas tote bag", 2900),
    Product("BAG-BPK-GRN", "Hiking backpack, 30 l", 8900),
    Product("CAP-BAS-BEI", "Baseball cap, beige", 2200),
    Product("SUN-POL-TOR", "Polarised sunglasses", 7900),
    Product("WAT-STL-SLV", "Steel watch, silver", 18900),
    Product("MUG-CER-BLU", "Ceramic mug, blue glaze", 1800),
    Product("LMP-DSK-BRS", "Desk lamp, brass", 6900),
    Product("CUS-LIN-OAT", "Linen cushion cover, oat", 3200),
    Product("BLK-WOL-CHK", "Wool blanket, check", 9900),
    Product("HDP-WLS-BLK", "Wireless headphones", 14900),
    Product("SPK-BTH-MIN", "Bluetooth speaker, mini", 5900),
    Product("CHG-USB-65W", "USB-C charger, 65 W", 3900),
    Product("BOT-STL-750", "Steel water bottle, 750 ml", 2400),
    Product("YOG-MAT-PUR", "Yoga mat, purple", 3900),
    Product("BOK-COOK-MED", "Cookbook: Mediterranean kitchen", 2900),
    # Not returnable: hygiene, personalised, perishable and digital goods.
    Product("EAR-SLV-HOP", "Silver hoop earrings (pierced)", 4900, returnable=False),
    Product("SWM-BRF-NAV", "Swim briefs, navy", 2900, returnable=False),
    Product("MUG-PER-NAM", "Personalised name mug", 2200, returnable=False),
    Product("COF-BEA-1KG", "Espresso coffee beans, 1 kg", 2600, returnable=False),
    Product("LIP-BLM-SET", "Lip balm, set of three", 1200, returnable=False),
    Product("CRM-FAC-50M", "Face cream, 50 ml", 3400, returnable=False),
)

RETURNABLE_PRODUCTS = tuple(product for product in PRODUCTS if product.returnable)
FINAL_SALE_PRODUCTS = tuple(product for product in PRODUCTS if not product.returnable)
PRODUCT_BY_SKU = {product.sku: product for product in PRODUCTS}
