"""The demo's catalogue: four stores and their products, as plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoProduct:
    title: str
    category: str
    price: int
    description: str
    options: tuple[tuple[str, str], ...] = (("", ""),)
    compare_at: int | None = None
    featured: bool = False


SIZES = (("S", ""), ("M", ""), ("L", ""))
SHADES = (("", "Rose"), ("", "Coral"), ("", "Berry"))

DEMO_STORES: dict[str, tuple[str, str, str, tuple[DemoProduct, ...]]] = {
    "glow-and-co": (
        "seller@example.com",
        "Glow & Co",
        "Clean skincare and colour, made in small batches.",
        (
            DemoProduct(
                "Vitamin C Brightening Serum",
                "beauty-skincare",
                2800,
                "A lightweight serum with 15% vitamin C for a brighter, even tone.",
                compare_at=3400,
                featured=True,
            ),
            DemoProduct(
                "Hyaluronic Water Cream",
                "beauty-skincare",
                2400,
                "An oil-free gel cream that holds moisture all day.",
            ),
            DemoProduct(
                "Velvet Matte Lipstick",
                "beauty-makeup",
                1600,
                "Long-wearing matte colour that never dries out.",
                SHADES,
                featured=True,
            ),
            DemoProduct(
                "Silk Glow Highlighter",
                "beauty-makeup",
                1900,
                "A pearl-fine powder for a lit-from-within glow.",
            ),
            DemoProduct(
                "Repair Hair Mask",
                "beauty-hair-care",
                2200,
                "A weekly mask with keratin and argan oil for damaged hair.",
            ),
            DemoProduct(
                "Amber Dusk Eau de Parfum",
                "beauty-fragrance",
                5400,
                "Warm amber, vanilla and a hint of smoked wood.",
                compare_at=6200,
            ),
            DemoProduct(
                "Gentle Foaming Cleanser",
                "beauty-skincare",
                1400,
                "A low-pH daily cleanser for every skin type.",
            ),
            DemoProduct(
                "Mineral Sunscreen SPF 50",
                "beauty-skincare",
                2100,
                "Broad-spectrum zinc protection with no white cast.",
            ),
        ),
    ),
    "trailhead": (
        "trailhead@example.com",
        "Trailhead Outfitters",
        "Gear and clothing for runners, riders and weekend hikers.",
        (
            DemoProduct(
                "Trail Running Shoes",
                "sports-outdoor",
                11900,
                "Grippy, cushioned shoes for muddy miles.",
                (("40", "Slate"), ("42", "Slate"), ("44", "Slate"), ("42", "Lime")),
                featured=True,
            ),
            DemoProduct(
                "Merino Running Tee",
                "sports-fitness",
                4500,
                "Breathable merino that stays fresh for days.",
                SIZES,
            ),
            DemoProduct(
                "Packable Rain Jacket",
                "sports-outdoor",
                8900,
                "Waterproof, windproof and folds into its own pocket.",
                SIZES,
                compare_at=11000,
            ),
            DemoProduct(
                "Cycling Helmet",
                "sports-cycling",
                7400,
                "A light helmet with MIPS protection.",
                (("M", ""), ("L", "")),
            ),
            DemoProduct(
                "Yoga Mat Pro",
                "sports-fitness",
                6800,
                "A 5 mm mat with a grippy natural rubber surface.",
                (("", "Sage"), ("", "Charcoal")),
            ),
            DemoProduct(
                "Adjustable Kettlebell",
                "sports-fitness",
                12900,
                "One kettlebell from 4 to 16 kg in a quick twist.",
            ),
            DemoProduct(
                "Insulated Water Bottle",
                "sports-outdoor",
                2900,
                "Keeps drinks cold for 24 hours and hot for 12.",
            ),
            DemoProduct(
                "Team Training Jersey",
                "sports-team-sports",
                3500,
                "A quick-dry jersey for training days.",
                SIZES,
            ),
            DemoProduct(
                "Bike Repair Kit",
                "sports-cycling",
                2400,
                "Multi-tool, tyre levers and patches in a saddle pouch.",
            ),
        ),
    ),
    "hearth-home": (
        "hearth@example.com",
        "Hearth & Home",
        "Quiet, useful things for the kitchen and the living room.",
        (
            DemoProduct(
                "Stoneware Mug Set",
                "home-kitchen",
                3600,
                "Four hand-glazed mugs, dishwasher safe.",
                (("", "Oat"), ("", "Ink")),
                featured=True,
            ),
            DemoProduct(
                "Cast Iron Skillet",
                "home-kitchen",
                4900,
                "A pre-seasoned 26 cm skillet that lasts a lifetime.",
            ),
            DemoProduct(
                "Linen Duvet Cover",
                "home-bedding",
                12900,
                "Stonewashed French linen that softens with every wash.",
                (("Double", "Sand"), ("King", "Sand"), ("King", "Sage")),
            ),
            DemoProduct(
                "Soy Candle: Fig & Cedar",
                "home-decor",
                2600,
                "A 40-hour candle poured by hand.",
                compare_at=3200,
            ),
            DemoProduct(
                "Oak Floating Shelf",
                "home-decor",
                5900,
                "Solid oak with hidden brackets.",
                (("60 cm", ""), ("90 cm", "")),
            ),
            DemoProduct(
                "Stackable Storage Boxes",
                "home-storage",
                3900,
                "Three woven boxes that stack neatly.",
            ),
            DemoProduct(
                "Cold Brew Coffee Maker",
                "home-kitchen",
                3400,
                "Makes a litre of smooth cold brew overnight.",
            ),
            DemoProduct(
                "Wool Throw Blanket", "home-bedding", 8900, "A heavy, warm throw in undyed wool."
            ),
        ),
    ),
    "byte-bazaar": (
        "bytes@example.com",
        "Byte Bazaar",
        "Small gadgets that make every day a little easier.",
        (
            DemoProduct(
                "Wireless Earbuds",
                "electronics-audio",
                7900,
                "Noise-cancelling earbuds with a 30-hour case.",
                (("", "Black"), ("", "White")),
                featured=True,
            ),
            DemoProduct(
                "Fast Charger 65W",
                "electronics-phones-accessories",
                3900,
                "Charges a laptop, tablet and phone at once.",
            ),
            DemoProduct(
                "Braided USB-C Cable",
                "electronics-phones-accessories",
                1500,
                "Two metres of cable that won't fray.",
                (("1 m", ""), ("2 m", "")),
            ),
            DemoProduct(
                "Smart Desk Lamp",
                "electronics-smart-home",
                5900,
                "Dimmable, warm to cool, with an app and a schedule.",
            ),
            DemoProduct(
                "Bluetooth Speaker",
                "electronics-audio",
                6400,
                "Waterproof speaker with 12 hours of sound.",
                compare_at=7900,
            ),
            DemoProduct(
                "Mechanical Keyboard",
                "electronics-computers",
                9900,
                "Hot-swappable switches and a solid aluminium frame.",
            ),
            DemoProduct(
                "Smart Plug Twin Pack",
                "electronics-smart-home",
                2900,
                "Schedule lamps and fans from your phone.",
            ),
        ),
    ),
}
