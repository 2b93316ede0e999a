"""HTML pages: recipes from a fictional cooking site (two of them variants of one dish)
and course pages of a fictional evening school."""
# ruff: noqa: E501 -- hand-written prose kept one fact per line, easier to edit than wrapped


from __future__ import annotations

from common import Doc, html_page

RECIPES = [
    ("sourdough-country-loaf.html", "Country sourdough loaf", [
        ("Mix 500 g of bread flour with 375 g of water and leave it for an hour before adding "
         "100 g of active starter and 10 g of salt; this rest lets the gluten form without kneading.",
         ["Why do I let the flour and water sit before the leaven goes in?",
          "How much salt and starter does the country bread take?"]),
        ("Bake in a preheated cast iron pot at 250 degrees for 20 minutes with the lid on, "
         "then 25 minutes at 230 degrees without it.",
         ["What oven temperatures and timings does the sourdough need, covered and uncovered?"]),
        ("Let the loaf cool on a rack for at least two hours; cutting it warm leaves the "
         "crumb gummy because the starches are still setting.",
         ["Why should I wait before slicing the fresh bread?"]),
    ]),
    ("sourdough-rye-loaf.html", "Dark rye sourdough loaf", [
        ("Rye dough is sticky and is not kneaded: stir 400 g of rye flour, 100 g of wheat "
         "flour, 420 g of warm water and 150 g of rye starter into a thick paste.",
         ["Do I knead the rye bread, and what goes into the batter?"]),
        ("Bake at 240 degrees for 15 minutes, then lower to 200 degrees for 50 minutes; "
         "wrap the loaf in linen and wait a full day before cutting it.",
         ["How long must the dark loaf rest before it can be sliced?"]),
    ]),
    ("lentil-dal.html", "Red lentil dal with tempered spices", [
        ("Simmer 250 g of rinsed red lentils in 900 ml of water with turmeric for 20 minutes, "
         "until they fall apart; red lentils need no soaking.",
         ["Must the orange pulses be soaked overnight for the dal?"]),
        ("For the tadka, heat ghee until shimmering, add cumin and mustard seeds, and once "
         "they pop add garlic and dried chillies; pour it over the dal at the table.",
         ["How is the spiced butter topping made and when is it added?"]),
        ("The dal keeps for four days in the fridge and thickens as it cools; loosen it with "
         "a splash of hot water when reheating.",
         ["My leftover lentils became very thick. How do I fix that and how long do they keep?"]),
    ]),
    ("lemon-olive-oil-cake.html", "Lemon olive oil cake", [
        ("Whisk three eggs with 200 g of sugar for five minutes until pale, then stream in "
         "150 ml of mild olive oil; a strong peppery oil overpowers the lemon.",
         ["Which kind of oil works best in the citrus cake?"]),
        ("Bake at 175 degrees for 40 to 45 minutes in a 23 cm tin, until a skewer comes out "
         "clean; brush the warm cake with a syrup of lemon juice and icing sugar.",
         ["What size pan and how long in the oven for the lemon cake?",
          "What is poured over the cake after baking?"]),
        ("For a dairy-free cake nothing needs to change: the recipe contains no butter or "
         "milk. For a gluten-free version use ground almonds for half of the flour.",
         ["Can people who avoid milk eat this olive oil cake?"]),
    ]),
    ("chicken-tagine.html", "Chicken tagine with preserved lemon", [
        ("Marinate the chicken thighs overnight with ras el hanout, grated ginger, saffron "
         "soaked in warm water, and crushed garlic.",
         ["Which spices flavour the meat before the tagine is cooked?"]),
        ("Cook covered on the lowest heat for 75 minutes; add the green olives and the "
         "preserved lemon rind only for the last 15 minutes so they stay firm.",
         ["When do the olives go into the pot?"]),
        ("Without a clay tagine, a heavy casserole with a tight lid works; keep the heat low "
         "because there is little liquid.",
         ["Can I make this Moroccan stew without the traditional cone-shaped pot?"]),
    ]),
    ("cold-brew-coffee.html", "Cold brew coffee concentrate", [
        ("Use a coarse grind, like raw sugar, at a ratio of 1 part coffee to 5 parts cold "
         "water by weight; fine grounds make the concentrate muddy and bitter.",
         ["How coarse should the beans be ground, and how much water per gram?"]),
        ("Steep for 16 to 18 hours in the fridge, then filter twice: first through a sieve, "
         "then through a paper filter.",
         ["For how long does the iced coffee steep and how is it strained?"]),
        ("The concentrate keeps for 10 days refrigerated; dilute it one to one with water "
         "or milk before serving.",
         ["How long can the brew be stored and how strong is it served?"]),
    ]),
]

COURSES = [
    ("course-intro-woodworking.html", "Introduction to woodworking (evening course)", [
        ("The course runs for eight Tuesday evenings from 18:30 to 21:00 in workshop B; all "
         "tools are provided, but participants bring their own safety glasses.",
         ["On which weekday is the carpentry class held, and what protective gear should I bring?"]),
        ("The final project is a small dovetailed box in oak; timber costs 35 euros and are "
         "paid on the first evening.",
         ["What will we build at the end of the joinery course, and is wood included in the fee?"]),
    ]),
    ("course-conversational-spanish.html", "Conversational Spanish, level A2", [
        ("Participants should already know the present tense and basic vocabulary, "
         "roughly 60 hours of previous study; a short placement call is offered before enrolment.",
         ["What level do I need before joining the A2 language class?"]),
        ("Classes are capped at ten people so that everyone speaks for at least 20 minutes "
         "per session.",
         ["How big are the Spanish groups?"]),
        ("Missed sessions can be made up in the Thursday group of the same level, at most "
         "twice per term.",
         ["If I cannot attend one evening, can I catch up elsewhere?"]),
    ]),
    ("course-digital-photography.html", "Digital photography basics", [
        ("Bring a camera that allows manual control of aperture, shutter speed and ISO; "
         "recent phones with a pro mode are accepted.",
         ["Can I attend the photo class with my smartphone?"]),
        ("The course ends with a walk through the old harbour at dusk to practise long "
         "exposures with a tripod.",
         ["Where does the last photo session take place and what technique is practised?"]),
    ]),
    ("course-first-aid.html", "First aid for parents", [
        ("The course covers choking in babies and toddlers, burns, febrile seizures and "
         "when to call the emergency number; it does not replace a certified workplace first aid course.",
         ["Does the parents' first aid class count as an official certificate for work?"]),
        ("Practice dolls of infant and child size are used for CPR; the session lasts "
         "four hours including a break.",
         ["How long is the childcare emergency course?"]),
    ]),
]


def recipe(file: str, title: str, items) -> Doc:
    doc = Doc(file)
    steps = [doc.ask(passage, *questions) for passage, questions in items]
    doc.text = html_page(title, [
        ("About this recipe", ["Tested three times in our kitchen. Quantities are by weight "
                               "because it is more reliable than cups."]),
        ("Method", steps),
        ("Notes", ["Oven temperatures are for a conventional oven; with a fan oven use "
                   "20 degrees less."]),
    ])
    return doc


def course(file: str, title: str, items) -> Doc:
    doc = Doc(file)
    details = [doc.ask(passage, *questions) for passage, questions in items]
    doc.text = html_page(title, [
        ("Course details", details),
        ("Enrolment", ["Places are given in order of payment. Cancellation is free until "
                       "one week before the first session."]),
    ])
    return doc


def documents() -> list[Doc]:
    return [recipe(*r) for r in RECIPES] + [course(*c) for c in COURSES]
