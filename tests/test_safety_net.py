"""The safety net's rules (knowledge/safety.yml): what each must catch and what it must leave
to the classifier. Add a line here whenever a rule changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.intent_kinds import bot_intents
from nlu_components.safety_net import CLEARED, first_match, load_rules, normalise
from stack.processes import PROJECT_ROOT
from tests.helpers.chat import Chat

RULES = load_rules(PROJECT_ROOT / "knowledge" / "safety.yml")

CAUGHT = {
    "self_harm": [
        "parked at the reservoir on my own tonight",
        "none of it matters any more",
        "ive got the tablets lined up on the bedside table",
        "she's sat there with a handful of paracetamol counted out in front of her",
        "ive stopped all of my blood pressure tablets, let nature decide",
        "there doesn't seem any point to carry on now he's gone",
        "ive kept counting my sleeping tablets tonight",
        "i worked out how many of the pills it'd take",
        "i left some notes for our children on the kitchen table last night",
        "ive been putting my sleeping pills aside since the recall, just in case",
        "i looked up how many it would take and i have enough in the drawer",
        "if the biopsy is bad i'm going to finish my life, i've thought about how",
        "how many of my sleeping tablets would it take, just wondering",
        "gave my silver bracelets to my nieces on sunday",
        "i've written a letter to each of my boys and put them in the drawer",
        "sat looking at the painkillers thinking i could take the whole lot with a bottle of wine",
        "what's the easiest way out of all this, and i don't mean the exit",
        "mum rang and said look after the dog for me, love you, and now her phone's off",
        "my kids would cope better without me honestly",
        "i'd rather not be here than go through treatment",
        "what's the point of any of it now",
        "honestly i keep thinking about killing myself",
        "if it comes back as cancer i dont think i want to be around anymore",
        "i've been stockpiling my painkillers since the letter came",
        "I don't want to be alive if it's cancer",
        "everyone would be better off without me",
        "i've been self harming again since the recall",
        "thinking of ending it all tbh",
        "Sometimes I think there's no point in living",
        "i took all the paracetamol in the cupboard",
        "if its cancer i'll just walk into the sea",
        "i've been standing on the bridge for an hour since the appointment",
        "i've already given my rings to my daughter",
        "left a card for all of my grandchildren in the drawer tonight, i feel calmer",
        "wrote notes to both the girls this evening and put them on the mantelpiece",
        "i'm in the kitchen with a knife in my hand and i can't stop shaking",
        "lying in the dark with the razor since they rang",
        "sat with a blade on the edge of the bath again",
        "i lie awake thinking about all my sleeping tablets and how peaceful it would be",
        "i've sorted all my affairs in case it's bad news",
        "she locked herself in and says she wants to die",
        "if it's cancer i'll stop taking my heart tablets and let nature take its course",
        "sometimes i want to go to sleep and just not wake up",
        "i have the pills from the doctor, many of them",
        "since she told me i've gone back to hurting my arms like i used to",
        "i'm frightened she's planning something",
        "if the results are bad i'll take matters into my own hands",
        "whats the most paracetamol a person could take at once, i just want it all to stop",
        "she sent a card saying goodbye and now her phone is off",
        "thanks for everything, please look after my cat for me. she isn't answering now",
        "handed the dog to my neighbour to keep, i wont need him",
        "i left a note for each of my kids in the drawer",
        "i sat on the edge of the cliff path for an hour tonight",
        "finished all my letters tonight and propped them on the mantelpiece",
        "some nights i'd like to go to sleep and simply not wake up. i'm not going to do anything silly i expect",
        "I'm safe but I've been saving my tablets just in case",
        "been cutting my arm again since the letter, deeper each time",
        "if it comes back bad im not sticking around for the rest of it, made my mind up",
        "honestly if i step in front of a bus tonight at least i wont need the biopsy",
    ],
    "breathing_or_allergy_danger_signs": [
        "dad's gone pale and clammy and says his chest hurts since the op",
        "her chest is aching badly and she's sweating buckets after the biopsy",
        "come up in hives all over since the local anaesthetic",
        "got a pain in the chest since the op this morning, heavy, like an elephant sat on me",
        "her chest hurts and it's spreading down her left arm now",
        "since the procedure my heart is racing and i feel as though i might pass out",
        "since the numbing injection i've a metal taste in my mouth, my lips are tingling and my heart is racing",
        "there's a tightness across my chest since i got home from the op",
        "my chest feels really tight and my left arm has gone numb",
        "dad says her lips look a bit blue since the surgery",
        "she's gone a grey colour and won't eat",
        "my mum says she can't catch her breath and her heart is racing",
        "since the numbing my lips feel puffy and my throat is tight",
        "sharp pain in my chest when i breathe in after the op",
        "my left calf has gone swollen and sore since the operation",
        "i went dizzy, fell and hit my head after the biopsy",
        "it started running again and i've gone through three towels",
        "39.2 on the thermometer since the wire op",
        "the bruise has gone hard and hot",
        "after the numbing jab my eyelids swelled and i'm covered in itchy lumps",
        "come out in hives since the local anaesthetic",
        "a crushing weight on my chest since this morning",
        "pain going down my left arm and i feel sick",
    ],
    "rapid_swelling_after_a_procedure": [
        "her boob is huge since the op and rock solid",
        "the side they biopsied keeps swelling more and more tonight",
        "my boob has come up like a ball since the vacuum biopsy",
        "my boob has blown up like a balloon since the biopsy",
        "since her op yesterday the breast is rock hard and twice the size",
        "the swelling under the biopsy plaster is like an egg and still growing",
        "the lump under the dressing is getting bigger by the hour",
    ],
    "unwell_after_a_procedure": [
        "dad says mum is talking strangely since the operation, she keeps calling him by her brothers name",
        "since the surgery gran doesnt recognise me or my kids",
        "we can't rouse her properly this evening, she only came home from the op at lunchtime",
        "after the op my nan seems confuse, she keeps calling me by my sisters name",
        "since the surgery this morning mum dont know where she is",
        "my mother had the area removed yesterday. today she's muddled and burning up",
        "since her op she's gone grey and clammy and i can't wake her properly",
        "after the biopsy dad is confused and doesnt know what day it is",
    ],
    "asks_who_it_is": ["am I talking to a real person or a robot?", "are you a real person?", "is this a bot"],
    "greets": ["good morning", "Hi there!", "hiya"],
    "asks_for_more": ["tell me more", "Go on.", "ok tell me a bit more about it please", "what else?"],
    "not_in_the_documents": [
        "how safe is a vacuum biopsy really",
        "does letrozole cause calcifications",
        "is the mri dye safe for my kidneys",
        "do i need to stop testosterone before the biopsy",
        "can i wear a binder after the op",
        "does blue cross cover a stereotactic biopsy",
        "is ultrasound more accurate than a mammogram",
        "how often do women over 40 need a mammogram",
        "could years of stress have caused my breast cancer",
        "my son is 15 and has gynaecomastia, is it the same",
        "do you get calcium in ur kidneys as well, is that the same as kidney stones",
        "can i keep breastfeeding the baby after a core biopsy",
        "is progesterone cream any good for night sweats in the menopause",
        "what are the odds of something going wrong with a core biopsy",
        "what does it mean to have dense breast tissue",
        "is a 3d mammogram better",
        "my dad's calcium score came back high",
        "i've had implants for twenty years. are they still safe?",
        "are there any risks with a vacuum biopsy",
        "how often do biopsies go wrong",
        "can the needle spread cancer cells around",
        "is this the same as my kidney stones",
        "will calcifications go away by themselves",
        "will my insurance pay or will i get a bill",
        "are breast implants safe in the long run",
        "can apple cider vinegar dissolve calcium deposits",
        "my dad has calcium in his coronary arteries, is that bad",
        "does a mammogram hurt much",
        "how long do biopsy results usually take to come back",
        "when will i get my results from the vacuum biopsy",
        "does HRT cause calcifications",
        "can i use progesterone cream for my hot flushes",
        "how much time off work after a wire localisation op",
        "can i take ibuprofen after the biopsy",
        "how much does a vacuum biopsy cost without insurance",
        "are kidney stones the same thing as breast calcifications",
        "what is the radiation dose of a mammogram",
        "can i still breastfeed with a marker clip in",
        "can men get breast calcifications",
    ],
    "heavy_bleeding": [
        "no fever but the blood is soaking through the dressing and won't stop",
        "the biopsy site is bleeding through the dressing",
        "blood is pouring out where the wire went in",
        "theres so much blood after my op what do i do",
        "it bled heavily all night",
        "the blood keeps trickling down my side since the biopsy",
        "bleeding all over the sheets from where the clip went in",
        "blood running out from under the dressing after the op",
        "theres blood all down her front since she got back from the hospital",
    ],
    "fainting": [
        "passed out in the kitchen the day after the op",
        "everything went black for a second after the biopsy",
        "i fainted when i got home after the biopsy",
    ],
    "stroke_signs": [
        "since the op last night mum is slurring and one side of her face has dropped",
        "dad can't lift his arm and he's talking nonsense since the anaesthetic",
    ],
    "infection_signs": [
        "since the op i've been feverish and achy all over, the wound looks angry",
        "she's been shivering since the biopsy yesterday and can't get warm",
        "the cut from the biopsy smells a bit off",
        "hot sweats and shaking, the op side is swollen",
        "I've got a fever and the biopsy area is really sore",
        "my boob is hot and red since the op",
        "feeling shivery and hot and cold 3 days after the procedure",
        "there's pus coming from the wound",
    ],
    "asks_for_a_decision_or_diagnosis": [
        "should my nan even have the op at 92",
        "how do we decide whether she should have it",
        "is this really necessary for her",
        "could they have missed something on the first mammogram",
        "is my mum's letter bad",
        "i can't read my letter, my eyes are too bad now",
        "her results mention clustered calcs, how worried should she be",
        "my sister had it young, could the same be happening to me",
        "my breast cancer was treated in 2019 and now there are new calcifications, could it have come back",
        "can you tell me what my mum's letter says in plain words",
        "her papers say calcifications indeterminate, what now",
        "can you translate my biopsy report for me",
        "the surgeon says wire and remove it, my gp says wait and see, what's the best option for my mum",
        "was my clip in the wrong place? the check film showed it a bit off",
        "does this mean hers are worse than last year",
        "honestly im convinced ill get cancer like my nan did",
        "should i be pushing for a different scan with my history",
        "my aunt had it young, is it my turn now",
        "the consultant told us it's early breast cancer, what now",
        "please be straight with me, is this cancer",
        "am i being unreasonable wanting them taken out now",
        "the new ones are on the other side this time, does that change things for me",
        "what is the hospital not telling me",
        "the nurse looked at the screen, did they find something?",
        "biopsy says DCIS, what happens now",
        "report says: grouped amorphous calcifications",
        "can you translate my letter please",
        "there's a cyst there too, does that make it worse?",
        "i feel like they're hiding something from me",
        "my biopsy came back as fibroadenoma with calcifications, is that ok",
        "my friend asked me what she should do about the op",
        "should i get a second opinion",
        "is it my fault for missing my last screening",
        "should i stop my hrt",
        "what would you advise for someone in my position",
        "i had cancer before, is my cancer back?",
        "what does that say about me",
        "they want to go back in and take more, what does that mean for her?",
        "now theres this shadow on the scan, what do you think it is",
        "my mum had it at 48. am i going to get it as well?",
        "does the recall letter mean i've got cancer",
        "i'm on hrt, just tell me what to do",
        "they saw calcium in my blood vessels, am I ok or not?",
        "the biopsy or repeat imaging in six months, which one should i pick?",
        "the wedding is the week after, should i move it until after?",
        "I want to know about MY breast and what they saw.",
        "what have they seen on me?",
        "did the radiographer see something bad?",
        "i'm thinking of not going to the callback at all",
        "pathology came back as DCIS, how bad is it",
        "the radiologist looked worried and went and got a colleague",
        "would it matter if i put it off until after christmas",
        "is it worth trying diet changes instead of the biopsy",
        "am i going to get breast cancer from these",
        "they told me to bring my husband to the results",
        "Should I have the surgery or just wait and see?",
        "do i have cancer",
        "have i got breast cancer then",
        "there are more than last time, does that mean mine are turning into cancer",
        "my consultant thinks mine have changed to something bad, what now",
        "they put M3 on the form",
        "what does indeterminate mean for me",
        "my biopsy result came back and I don't know what to think, what should I do now?",
        "my letter says there are segmental calcifications, is that bad?",
        "my calcs are in a cluster, how serious is that",
        "I'm 52 and mine showed up on the left, is it likely to be cancer?",
        "mine were called benign-looking, so does that mean I'm fine?",
        "would you have the operation if you were me",
        "do I actually need to go to the follow-up appointment?",
        "i'm on warfarin, should i stop it before the biopsy",
        "can I just skip the recall appointment",
        "they found atypical cells, does this mean I'll get cancer",
        "could you look at my report and say what it means",
        "please tell me if it's cancer",
        "my biopsy showed atypical hyperplasia, is that cancer",
        "does this mean I'm going to die",
    ],
    "strong_distress": [
        "my heart goes mad every time an unknown number rings",
        "how am i supposed to survive these two weeks of waiting",
        "its 3am and i cant sleep again, going round and round in my head",
        "keep cryin in the car park before work",
        "she's terrified and i haven't a clue how to help her",
        "my wife wont talk about it and i don't know how to help her",
        "havent slept in days, just lying there thinking",
        "heart pounding every time the phone rings",
        "honestly im freaking out about friday",
        "I can't stop crying since the phone call",
        "there's nobody to talk to about this at home",
        "sat here in tears after the phone call",
        "I honestly can't face any of this",
        "I'm an absolute mess today",
        "it's all getting too much for me",
    ],
    "describes_own_symptoms": [
        "calcifications on the right and now theres a new lump on my left side",
        "theres a hard pea sized thing near where they showed me",
        "one breast looks noticeably bigger than the other now",
        "clear fluid on my bra since the recall",
        "feel a bit off since the biopsy yesterday, headachy",
        "dull ache on the right most evenings for a month",
        "found a lump this morning near where they did the biopsy",
        "biopsy was last week. noticed a new lump under the scar today",
        "my dressing is leaking since they put the wire in",
        "got a huge bruise where they did it",
        "the consultant gave me the choice of another biopsy or surgery",
        "is my calcification cancer or not",
        "I've found a new lump near where they did the biopsy",
        "my nipple has started leaking a clear fluid",
        "my left boob has been aching for a week",
        "the skin near the scar has gone puckered",
        "my right breast has been swollen since Tuesday's operation",
        "will the wire be ok? my breast is swollen and hard since yesterday",
    ],
    "says_they_are_safe": [
        "i'm not going to do anything daft, i just feel so alone since he died",
        "I'm safe, I just can't stop going over the results in my head",
        "she's safe, she's just very low and won't eat",
        "it's not an emergency and I'm not in any danger, I'm just lonely tonight",
    ],
    "asks_whether_someone_will_die": [
        "is my mum going to die",
        "will my wife die from this, please be honest",
    ],
    "quiet_and_withdrawn": [
        "my wife came back from the clinic and has hardly said a word since, i dont know how to help her",
        "mum won't talk to us about any of it, she just sits in the dark",
        "he hasnt said a word since she got the letter",
    ],
    "ordinary_healing": [
        "the wound is sore but it's not bleeding",
        "had the biopsy tuesday, the bruise is going yellow and a bit tender. no temperature, i feel fine in myself",
        "my wife's scar is pink and sore when her bra rubs but no fever and it's not weeping",
        "the skin is a little warm but i dont have a fever or anything",
        "it's not hot or red, just tender to touch",
        "the swelling is going down each day and the dressing is dry",
    ],
    "asks_for_a_person": [
        "i need advice from someone who actually knows about this",
        "i'm on my own with three kids and the appointment is at 8am, who can help me",
        "is there anyone who can talk polish with my mum about the biopsy?",
        "can we have an interpreter on the phone for my dad",
        "could someone from the charity go over my letter with me",
        "I need someone to actually sit down with me",
        "is there a number i can ring",
        "does anyone ever get back to you on here",
        "i'm sick of typing to a computer",
        "who do i complain to about the clinic",
        "get me a real human being",
        "put me through to a nurse please",
        "please can I speak to a real person",
        "i want a human not a chatbot",
        "can I talk to a nurse about this",
        "i need someone to go through it with me",
        "is anyone actually reading this or is it just a computer",
        "sorry to be a pain but could a human being get back to me at some point",
        "I'd rather hear it from a nurse if that's alright.",
        "i'd feel better hearing a voice than reading a screen",
        "I don't want a machine telling me about this.",
        "please, i need someone explain me what the doctor write",
        "i really need a human rn",
        "stop sending me links, I want a person.",
    ],
}

LEFT_ALONE = [
    "she had the biopsy last week and she gets a bit muddled at the best of times, will the letter be clear",
    "when should my mum have her next mammogram after benign calcifications",
    "my mum can't read english so i read her the leaflet, what is a magnified mammogram",
    "i had top surgery years ago, can surgery cause calcifications",
    "do i take my pills in the morning before the biopsy",
    "i was shaking like a leaf before the biopsy",
    "is there any point going on with the follow up mammograms",
    "how often will they check the calcifications with a mammogram",
    "is a vacuum biopsy more accurate than a core biopsy",
    "does the waiting cause calcifications to get worse",
    "who can have a vacuum assisted biopsy",
    "can breastfeeding leave calcium stuck in the milk ducts years later?",
    "if i stop the cheese and yoghurt will the calcifications go away",
    "are calcifications like tiny kidney stones in the breast or is that wrong",
    "what does stereotactic mean, my dad wants me to translate the letter for my nan",
    "the leaflet about the vacuum biopsy is giving me hives just reading it, what happens in one",
    "my sister got mastitis feeding her twins, could an infection like that leave calcium spots behind?",
    "that doctor lee who says progesterone stopped calcifications turning into cancer, is there any proof",
    "a woman at work swears her progesterone cream will dissolve calcifications, is there evidence for that?",
    "my knee clip is titanium, will the airport scanner go off?",
    "im sure i read that calcium pills dont cause them, is that right?",
    "how do they make sure the clip goes in the right place?",
    "which is the best option for women with calcifications that look benign?",
    "i put my tablets away before the grandkids came round, does the core biopsy hurt?",
    "can benign ones turn into cancer later, or do they just sit there?",
    "is my mum going to die without her sister? she couldn't go on without her, she says",
    "i left my letters at home, do i still need them for the mammogram?",
    "do i need a person to come with me to the biopsy appointment?",
    "ive been told the surgeon takes it out with a knife, not a laser, is that right",
    "can i shave under my arm with a razor before the wire goes in",
    "will blood run down my side during the vacuum biopsy",
    "a few spots of blood on my bra after the biopsy, is that normal",
    "i keep thinking about the painkillers they gave me, will they make the biopsy easier",
    "will i feel sick after the biopsy?",
    "what's the point of a magnified mammogram?",
    "when do they do an operation instead of a biopsy?",
    "I haven't slept for worrying, will the biopsy hurt?",
    "the doctor said a repeat mammogram in a year, is that usual?",
    "our puppy has a little hard bump, is it serious",
    "i don't want to be here all day, how long does the biopsy take?",
    "should i stop taking my calcium tablets before the mammogram",
    "can calcifications turn into cancer over time?",
    "do benign calcifications ever change into something worse",
    "will I bleed after a core biopsy?",
    "can an infection in the breast cause calcifications?",
    "do calcifications give you a temperature",
    "I was told I have calcifications, what are they?",
    "should I tell the doctor about the clip before an MRI?",
    "what do I do if the wire feels uncomfortable while it's in?",
    "is it normal to be sore after the operation",
    "does the vacuum biopsy hurt",
    "are calcifications cancer?",
    "I'm worried, what should I keep an eye on?",
    "do I need vitamin b12",
    "when should I have my next mammogram?",
    "will the clip come out during the operation?",
    "my sister nearly fainted during her biopsy, does it hurt?",
    "should I stop my calcium tablets?",
    "I keep scaring myself on google, how do I stop?",
    "my dog keeps limping, what should I do",
    "if they're benign, does that mean I'll get cancer one day?",
    "my letter says calcifications were found, what are they?",
    "do calcifications make your breast hurt?",
    "the letter says I have calcifications, what are they?",
    "can you feel a lump with calcifications?",
    "is it normal to feel anxious about calcifications?",
    "how long does the wire stay in?",
    "can the clip move?",
    "is my risk higher now?",
    "is a core biopsy less expensive than surgery?",
    "will my breast swell after the biopsy?",
    "what happens when i get my results?",
    "does progesterone cream help calcifications?",
    "can calcified blood vessels show up on a mammogram?",
    "will i have to stay in hospital after the op?",
    "do they give you pain relief after the operation?",
    "i'm confused about the biopsy results letter, what does indeterminate mean?",
    "will i feel groggy after the operation?",
    "what if there's a lump on the other side too, would they check it?",
    "what do calcifications mean for my risk in general?",
    "tell me more about the vacuum biopsy",
    "the op will be wire guided, im confused why im going to x ray first if its an op?",
    "i fainted once at a blood test when i was 19, how is the biopsy done?",
    "I passed out having my ears pierced as a kid, do they numb you?",
    "the consultant explained both and i got muddled, what's the difference?",
    "can you dissolve breast calcifications",
    "can implants cause calcifications?",
    "is it normal for the chest to feel tight after a mammogram",
    "my baby is getting bigger so fast",
    "can calcifications be in the blood vessels of the breast?",
    "could you look after my questions about the clip",
    "the doctor said it's not cancer, what are they then?",
    "can you explain the biopsy to me",
    "will i have to finish my antibiotics after the biopsy?",
    "can i take my calcium tablets the whole lot at once or spread them out?",
    "what's the quickest way out of the hospital car park",
    "can my neighbour look after the cat for me while i'm at the biopsy?",
    "will there be pressure on my breast during the mammogram?",
    "my sister is going out out on saturday, can she drink after a biopsy?",
]


@pytest.mark.parametrize("rule, text", [(r, t) for r, texts in CAUGHT.items() for t in texts])
def test_rule_catches(rule: str, text: str) -> None:
    found = first_match(RULES, normalise(text))
    assert found is not None and found.name == rule, text


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_general_questions_are_left_to_the_classifier(text: str) -> None:
    assert first_match(RULES, normalise(text)) is None


def test_rules_file_names_only_domain_intents() -> None:

    intents = set(bot_intents())
    assert {r.intent for r in RULES} - {None} <= intents
    assert all(isinstance(r.name, str) and r.patterns for r in RULES)


def test_the_running_bot_applies_the_safety_net(chat: Chat) -> None:
    reply = chat.say("to be honest i've been thinking about hurting myself")
    assert reply[0]["metadata"]["topic"] == "urgent.self_harm"
    assert "116 123" in reply[0]["text"]
    user = [e for e in chat.tracker()["events"] if e["event"] == "user"][-1]
    assert user["parse_data"]["safety_net"] == "self_harm"


def test_rules_path_is_the_configured_one() -> None:
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    net = next(c for c in config["pipeline"] if c["name"].endswith("SafetyNet"))
    assert Path(net["rules_file"]) == Path("knowledge/safety.yml")


def safety_net():
    from nlu_components.safety_net import SafetyNet

    return SafetyNet({**SafetyNet.get_default_config(), "rules_file": str(PROJECT_ROOT / "knowledge" / "safety.yml")})


def _parsed(text: str, ranking: list):
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text})
    message.set("intent", dict(ranking[0]))
    message.set("intent_ranking", ranking)
    return message


def test_a_hand_off_intent_above_the_floor_wins_over_a_leaflet_answer() -> None:
    net = safety_net()
    close = _parsed(
        "the results are really bothering me",
        [{"name": "ask_results_next", "confidence": 0.55}, {"name": "personal_situation", "confidence": 0.35}],
    )
    far = _parsed(
        "what happens after the results",
        [{"name": "ask_results_next", "confidence": 0.85}, {"name": "personal_situation", "confidence": 0.1}],
    )
    net.process([close, far])
    assert close.get("intent")["name"] == "personal_situation"
    assert close.get("safety_net") == "escalation_floor"
    assert far.get("intent")["name"] == "ask_results_next"
    assert far.get("safety_net") is None


def test_hand_off_confidence_split_between_two_intents_still_hands_off() -> None:
    net = safety_net()
    split = _parsed(
        "it has all got on top of me since the letter about mine",
        [
            {"name": "ask_anxiety", "confidence": 0.5},
            {"name": "express_distress", "confidence": 0.2},
            {"name": "personal_situation", "confidence": 0.15},
        ],
    )
    net.process([split])
    assert split.get("intent")["name"] == "express_distress"
    assert split.get("safety_net") == "escalation_floor"


def test_urgent_signs_read_by_the_classifier_win_over_a_rule_short_of_urgent() -> None:
    net = safety_net()
    message = _parsed(
        "since the op her breast is purple and huge and she's crying and pale",
        [{"name": "express_distress", "confidence": 0.5}, {"name": "urgent_physical", "confidence": 0.5}],
    )
    net.process([message])
    assert message.get("intent")["name"] == "urgent_physical"
    # with the classifier's confidence in it, which the MessageComposer weighs for a sentence
    assert message.get("intent")["confidence"] == 0.5


def test_a_harmless_context_stops_the_classifiers_reading_that_sign_as_urgent() -> None:
    net = safety_net()
    past = _parsed(
        "i fainted once at a blood test when i was 19. how is the biopsy done?",
        [{"name": "urgent_physical", "confidence": 0.7}, {"name": "ask_core_biopsy", "confidence": 0.3}],
    )
    now = _parsed(
        "i fainted at blood tests as a kid and now i'm bleeding heavily since the biopsy",
        [{"name": "ask_core_biopsy", "confidence": 0.6}, {"name": "urgent_physical", "confidence": 0.4}],
    )
    net.process([past, now])
    assert past.get("intent")["name"] == "ask_core_biopsy" and past.get(CLEARED) == ["urgent_physical"]
    assert now.get("intent")["name"] == "urgent_physical" and now.get("safety_net") == "heavy_bleeding"


def test_a_reassurance_rules_out_the_classifiers_urgent_reading() -> None:
    """A rule short of urgent with `rules_out` ("I'm not going to do anything daft"): DIET's
    urgent reading of the loneliness beside it does not count, the person still gets a hand-off."""
    net = safety_net()
    lonely = _parsed(
        "i'm not going to do anything daft, i just feel so alone and nobody in my life gets it",
        [{"name": "urgent_self_harm", "confidence": 0.83}, {"name": "express_distress", "confidence": 0.1}],
    )
    healing = _parsed(
        "the bruise is a bit sore but no fever and it's going down each day",
        [{"name": "urgent_physical", "confidence": 0.6}, {"name": "personal_situation", "confidence": 0.3}],
    )
    net.process([lonely, healing])
    assert lonely.get("intent")["name"] == "express_distress"
    assert lonely.get(CLEARED) == ["urgent_self_harm"]
    assert healing.get("intent")["name"] == "personal_situation"
    assert healing.get(CLEARED) == ["urgent_physical"]


@pytest.mark.parametrize(
    "text, rule",
    [
        ("no fever but there's pus coming out of the cut", "infection_signs"),
        ("no fever but it's swollen up like a balloon since the biopsy", "rapid_swelling_after_a_procedure"),
        ("I'm safe but I've been saving my tablets just in case", "self_harm"),
        ("i don't have a temperature but i'm shivering under two duvets", "infection_signs"),
    ],
)
def test_an_urgent_sign_beside_a_reassurance_stays_urgent(text: str, rule: str) -> None:
    net = safety_net()
    message = _parsed(text, [{"name": "ask_core_biopsy", "confidence": 0.9}])
    net.process([message])
    assert message.get("intent")["name"].startswith("urgent_")
    assert message.get("safety_net") == rule
    assert not message.get(CLEARED)


def test_a_rule_without_an_intent_only_rules_out() -> None:
    """`language_barrier` has no intent: a message saying the writer's English is poor keeps the
    classifier's reading, less the self-harm one it got from "not very good"; it never decides a
    message's intent, and an urgent sign beside it stays urgent."""
    net = safety_net()
    language = _parsed(
        "my english is not very good for the medical words, what is a core biopsy",
        [{"name": "urgent_self_harm", "confidence": 0.7}, {"name": "ask_core_biopsy", "confidence": 0.25}],
    )
    answer = _parsed(
        "sorry, english is not my first language. do they numb you for the biopsy?",
        [{"name": "ask_core_biopsy", "confidence": 0.95}],
    )
    danger = _parsed(
        "my english is not good but i have saved my pills and i want to end it",
        [{"name": "ask_helpline", "confidence": 0.6}],
    )
    net.process([language, answer, danger])
    assert language.get("intent")["name"] == "ask_core_biopsy"
    assert language.get(CLEARED) == ["urgent_self_harm"]
    assert not language.get("safety_net")
    assert answer.get("intent")["name"] == "ask_core_biopsy"
    assert danger.get("intent")["name"] == "urgent_self_harm"
    assert first_match(RULES, normalise("my english is not very good")) is None


def test_a_rule_without_an_intent_must_rule_something_out() -> None:
    from nlu_components.safety_net import SafetyRule

    with pytest.raises(ValueError, match="must rule something out"):
        SafetyRule("vague", None, ["x"], [], [])


def test_a_rule_cannot_rule_out_what_is_not_urgent() -> None:
    from nlu_components.safety_net import SafetyRule

    with pytest.raises(ValueError, match="not urgent"):
        SafetyRule("bad", "personal_situation", ["x"], [], [], rules_out=["ask_core_biopsy"])
    with pytest.raises(ValueError, match="urgent rule"):
        SafetyRule("bad", "urgent_physical", ["x"], [], [], rules_out=["urgent_self_harm"])
