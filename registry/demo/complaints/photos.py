"""The demo complaints' photos: small scenes drawn with Pillow, so the repository holds no binary file."""

from io import BytesIO

from PIL import Image, ImageDraw


def photo(scene: str) -> bytes:
    """A small JPEG drawn here (no binary file in the repository), without any metadata."""
    image = Image.new("RGB", (480, 360), (196, 210, 222))
    draw = ImageDraw.Draw(image)
    if scene == "smoke":  # a field with burning straw
        draw.rectangle((0, 200, 480, 360), fill=(176, 150, 92))
        for x in range(0, 480, 16):
            draw.line((x, 220, x + 6, 360), fill=(150, 124, 70), width=2)
        for i, (x, y, r) in enumerate([(120, 170, 60), (190, 120, 80), (270, 80, 95), (360, 50, 110)]):
            grey = 120 + i * 20
            draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=(grey, grey, grey))
        draw.polygon([(80, 215), (110, 170), (140, 215)], fill=(230, 110, 30))
        draw.polygon([(130, 218), (150, 185), (175, 218)], fill=(245, 160, 40))
    elif scene == "ash":  # the burnt field close up, still smouldering
        draw.rectangle((0, 140, 480, 360), fill=(46, 42, 38))
        for x in range(0, 480, 22):
            draw.line((x, 150, x - 10, 360), fill=(80, 72, 60), width=3)
        for x, y in [(90, 230), (220, 280), (350, 210), (410, 300)]:
            draw.ellipse((x - 14, y - 6, x + 14, y + 6), fill=(225, 95, 30))
            draw.ellipse((x - 40, y - 90, x + 40, y - 20), fill=(150, 150, 150))
    elif scene == "water":  # a black, foaming river with an outfall
        draw.rectangle((0, 0, 480, 120), fill=(170, 185, 195))
        draw.polygon([(0, 120), (480, 120), (480, 170), (0, 200)], fill=(96, 128, 80))
        draw.rectangle((0, 200, 480, 360), fill=(48, 52, 44))
        draw.rectangle((300, 150, 340, 185), fill=(70, 70, 70))
        draw.polygon([(305, 185), (335, 185), (360, 260), (290, 260)], fill=(92, 84, 60))
        for x in range(20, 480, 37):
            draw.ellipse((x, 250 + x % 60, x + 18, 258 + x % 60), fill=(220, 220, 205))
    elif scene == "site":  # a building site at night
        image.paste((28, 32, 56), (0, 0, 480, 360))
        draw.rectangle((0, 280, 480, 360), fill=(70, 66, 60))
        draw.rectangle((60, 120, 220, 280), fill=(120, 120, 125))
        draw.line((330, 280, 330, 60), fill=(230, 190, 40), width=8)
        draw.line((250, 70, 460, 70), fill=(230, 190, 40), width=6)
        for x, y in [(90, 150), (150, 150), (90, 210), (150, 210)]:
            draw.rectangle((x, y, x + 30, y + 30), fill=(250, 240, 170))
    elif scene == "drums":  # leaking drums in an empty workshop
        draw.rectangle((0, 0, 480, 220), fill=(150, 146, 140))
        draw.rectangle((0, 220, 480, 360), fill=(110, 108, 104))
        for i, x in enumerate(range(40, 440, 70)):
            colour = (40, 80, 150) if i % 2 else (150, 70, 40)
            draw.rectangle((x, 170, x + 50, 260), fill=colour)
            draw.ellipse((x, 160, x + 50, 180), fill=tuple(c + 30 for c in colour))
        draw.ellipse((150, 270, 330, 320), fill=(20, 20, 18))
    elif scene == "sand":  # sand piled on a river bank
        draw.rectangle((0, 230, 480, 360), fill=(90, 120, 130))
        draw.rectangle((0, 190, 480, 230), fill=(150, 140, 110))
        for x in (40, 170, 300):
            draw.polygon([(x, 230), (x + 70, 120), (x + 140, 230)], fill=(214, 190, 130))
        draw.rectangle((380, 160, 450, 205), fill=(235, 180, 30))
    else:  # "clean": the same river after the work
        draw.rectangle((0, 0, 480, 120), fill=(150, 200, 235))
        draw.polygon([(0, 120), (480, 120), (480, 170), (0, 200)], fill=(80, 150, 70))
        draw.rectangle((0, 200, 480, 360), fill=(70, 130, 160))
        draw.rectangle((300, 150, 340, 185), fill=(120, 120, 120))
    out = BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
