"""The demo data `seed_demo` creates: prompts for the built-in synthetic models."""

DEMO_PROMPTS = [
    {
        "slug": "lighthouse-storm",
        "title": "Lighthouse in a storm",
        "category": "scene",
        "text": "A lighthouse on a rocky coast at dusk, waves crashing, the beam sweeping through "
        "rain, slow push-in.",
        "tags": ["weather", "water", "dusk"],
    },
    {
        "slug": "city-drone-flyover",
        "title": "Drone flyover of a city at night",
        "category": "camera",
        "text": "Aerial drone shot gliding over a neon-lit city at night, steady forward motion, "
        "traffic streaks below.",
        "tags": ["aerial", "night"],
    },
    {
        "slug": "dancer-in-studio",
        "title": "Dancer spinning in a studio",
        "category": "motion",
        "text": "A dancer in a red dress spins across a sunlit wooden studio floor, fabric "
        "flowing, camera tracking at waist height.",
        "tags": ["people", "fast-motion"],
    },
]

#: The plugin keys of the built-in synthetic models a demo run uses.
DEMO_MODELS = ["local-smooth", "local-flicker", "local-frozen", "local-jerky"]
