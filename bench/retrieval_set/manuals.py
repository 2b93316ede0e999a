"""Product manuals (Markdown): six fictional devices, each with care, reset, warranty,
power and error-code passages written for that device."""
# ruff: noqa: E501 -- hand-written prose kept one fact per line, easier to edit than wrapped


from __future__ import annotations

from common import Doc

PRODUCTS = [
    dict(file="brisa3-espresso-manual.md", name="Brisa 3 espresso machine", maker="Caldera Home",
         short="Brisa 3",
         care="Descale the boiler every 8 weeks with one sachet of citric descaler dissolved in "
              "1.5 litres of water; run the solution through the steam wand first, then the group head.",
         care_q=["How frequently should limescale be removed from the Brisa 3, and what goes into the tank?"],
         reset="Hold the single-cup and steam buttons together for 10 seconds until both lights blink "
               "amber; the grind timer, temperature offset and cup volumes return to their factory values.",
         reset_q=["My Brisa 3 settings are a mess. How do I put the machine back to how it shipped?"],
         warranty="Caldera Home repairs the Brisa 3 free of charge for 24 months from purchase. "
                  "Damage caused by hard water that was never descaled is excluded from this cover.",
         warranty_q=["How long is the coffee maker guaranteed, and what kind of neglect voids that?"],
         power="The heater draws 1350 W and reaches brewing temperature in about 45 seconds; after "
               "25 minutes without use the machine switches itself to standby.",
         power_q=["When does the espresso machine go to sleep on its own if nobody uses it?",
                  "How much electricity does the Brisa heater pull?"],
         error="Code E4 means the pump ran for 20 seconds without water reaching the group head. "
               "Refill the tank, seat it firmly and prime the pump by opening the steam valve.",
         error_q=["What is the Brisa telling me when it shows E4, and how do I clear it?"]),
    dict(file="voltera-city-ebike-manual.md", name="Voltera City e-bike", maker="Voltera Mobility",
         short="Voltera City",
         care="Check the tyre pressure weekly and keep it between 3.5 and 4.5 bar; lubricate the "
              "chain every 300 km, or after any ride in the rain.",
         care_q=["How hard should the bike's tyres be pumped, and how often does the chain want oil?"],
         reset="To pair a new display, switch the bike off, hold the plus and light buttons, then "
               "switch it on again; the display forgets the old battery and asks for the PIN 0000.",
         reset_q=["I replaced the handlebar screen on my Voltera. How do I get it to talk to the battery?"],
         warranty="The frame is guaranteed for 7 years and the motor and battery for 2 years or "
                  "800 charge cycles, whichever comes first. Brake pads and tyres are wear parts.",
         warranty_q=["What cover does Voltera give on the frame compared with the battery?"],
         power="The 540 Wh battery gives 60 to 110 km of assistance depending on the mode and the "
               "terrain, and charges from empty to full in 5 hours with the 4 A charger.",
         power_q=["How far can I ride the Voltera City on one charge?",
                  "How long does refilling the e-bike battery take?"],
         error="Code E07 points to the speed sensor: the spoke magnet is more than 15 mm from the "
               "sensor on the chainstay. Move the magnet closer and spin the wheel to clear it.",
         error_q=["The e-bike display says E07. What part is at fault?"]),
    dict(file="nimbus-ax3000-router-guide.md", name="Nimbus AX3000 mesh router", maker="Nimbus Networks",
         short="AX3000",
         care="Keep the unit upright with 10 cm of free space around its vents; the fan-less case "
              "relies on air rising through it and the radios throttle above 45 degrees Celsius.",
         care_q=["Where should the Nimbus router sit so it does not overheat?"],
         reset="Press the recessed reset pin for 15 seconds while the unit is powered, until the ring "
               "light pulses white; all mesh points, the Wi-Fi name and the admin password are erased.",
         reset_q=["How do I wipe the mesh router completely if I forgot the admin login?"],
         warranty="Nimbus Networks replaces a faulty AX3000 for 3 years. Units flashed with "
                  "third-party firmware lose this replacement guarantee.",
         warranty_q=["Does installing custom firmware on the Nimbus affect the replacement promise?"],
         power="Each unit uses 12 W on average from its 12 V, 2 A adapter; a mesh of three units "
               "therefore costs roughly 315 kWh a year when left on around the clock.",
         power_q=["How much energy does a three-node Nimbus setup consume in a year?"],
         error="A red ring light means the unit has no route to the internet. Check that the WAN "
               "cable sits in the blue port and that the modem has finished its own start-up.",
         error_q=["Why does my router glow red and what should I look at first?"]),
    dict(file="thermia-t2-thermostat-manual.md", name="Thermia T2 smart thermostat", maker="Thermia",
         short="Thermia T2",
         care="Replace the two AA backup batteries once a year; they only keep the clock and the "
              "schedule alive during a power cut and are not used in normal operation.",
         care_q=["What are the AA cells inside the wall controller for, and when do they need swapping?"],
         reset="Open the settings menu, choose Installer, enter code 4711 and select Restore "
               "defaults; the heating schedule and the boiler type must then be entered again.",
         reset_q=["What code does the Thermia want before it lets me restore everything?"],
         warranty="The T2 carries a 5 year guarantee when it was fitted by a certified installer, "
                  "and 2 years when it was fitted by the owner.",
         warranty_q=["Does it matter for the guarantee who mounted my smart thermostat?"],
         power="The T2 is powered from the boiler's 24 V control line and needs no mains socket; "
               "it draws under half a watt.",
         power_q=["Does the Thermia need to be plugged into a wall outlet?"],
         error="Message OT-3 means the OpenTherm link to the boiler was lost for more than ten "
               "minutes; the thermostat falls back to simple on/off control until it returns.",
         error_q=["What happens to my heating when the T2 reports OT-3?"]),
    dict(file="kestrel-mini-drone-manual.md", name="Kestrel Mini drone", maker="Kestrel Aero",
         short="Kestrel Mini",
         care="Inspect the propellers before every flight and replace any blade with a nick or "
              "crack; always swap them as a pair, matching the A and B markings on the arms.",
         care_q=["When should I change the drone's rotor blades, and how are they matched?"],
         reset="Calibrate the compass away from cars and steel: tap Calibrate, turn the drone "
               "through a full horizontal circle, then a full circle with its nose pointing down.",
         reset_q=["The Kestrel keeps drifting. How do I recalibrate its heading sensor?"],
         warranty="Kestrel Aero covers manufacturing defects for 12 months; crashes are covered "
                  "once within the first year only with the optional Flyaway Care plan.",
         warranty_q=["Is a crashed Kestrel Mini repaired for free?"],
         power="One battery gives 31 minutes of hover in still air, about 24 minutes in a 20 km/h "
               "wind; it should be stored at 60 percent charge if the drone will not fly for weeks.",
         power_q=["How long can the small drone stay airborne, and at what level should its pack be kept in storage?"],
         error="A rapid yellow blink on the rear light means the drone has fewer than eight "
               "satellites and will not take off in GPS mode; wait in open ground or fly in Attitude mode.",
         error_q=["Why won't the drone lift off while its tail light flashes yellow quickly?"]),
    dict(file="layerworks-p1-printer-manual.md", name="Layerworks P1 3D printer", maker="Layerworks",
         short="P1",
         care="Clean the textured print bed with warm water and dish soap every 20 prints; "
              "isopropyl alcohol alone leaves a film that makes PETG stick too well and tear the coating.",
         care_q=["What is the right way to wash the build plate of the Layerworks printer?"],
         reset="Run Z offset calibration after changing the nozzle: home the axes, then lower the "
               "nozzle in 0.02 mm steps until a sheet of paper drags slightly under it.",
         reset_q=["After a nozzle swap, how do I set the first-layer height on the P1?"],
         warranty="Layerworks guarantees the printer for 1 year; the hotend and the PEI sheet are "
                  "consumables covered for 3 months.",
         warranty_q=["How long are the printer's wear parts guaranteed?"],
         power="The heated bed takes 4 minutes to reach 60 degrees and 9 minutes to reach 100; "
               "the power supply is rated at 350 W.",
         power_q=["How long must I wait before the printer plate is hot enough for ABS at 100 degrees?"],
         error="Thermal runaway warning TR-2 stops the print when the hotend temperature falls "
               "15 degrees below its target for 40 seconds; check the heater cartridge and the thermistor wires.",
         error_q=["Why did my 3D print halt with TR-2, and which parts should I inspect?"]),
]

SAFETY = ("Read these instructions before first use and keep them for later. Use only the "
          "accessories supplied by {maker}. Children should not use or clean the device "
          "without supervision.")


def manual(p: dict) -> Doc:
    doc = Doc(p["file"])
    sections = [
        f"# {p['name']}: owner's manual",
        SAFETY.format(maker=p["maker"]),
        "## In the box\n\nThe device, its power supply or charger, a quick start card and this manual. "
        f"Register your {p['short']} on the {p['maker']} website to receive firmware notices.",
        "## Care and maintenance\n\n" + doc.ask(p["care"], *p["care_q"]),
        "## Resetting and calibration\n\n" + doc.ask(p["reset"], *p["reset_q"]),
        "## Power\n\n" + doc.ask(p["power"], *p["power_q"]),
        "## Indicator and error codes\n\n" + doc.ask(p["error"], *p["error_q"]) +
        "\n\nAny other code: switch the device off for one minute, then on again; if the code "
        f"returns, contact {p['maker']} support with the serial number from the label.",
        "## Warranty\n\n" + doc.ask(p["warranty"], *p["warranty_q"]) +
        " Keep your receipt: it is the proof of the purchase date.",
    ]
    doc.text = "\n\n".join(sections) + "\n"
    return doc


def documents() -> list[Doc]:
    return [manual(p) for p in PRODUCTS]
