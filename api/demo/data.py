# ruff: noqa: RUF001
# (names of people and places keep their own letters: Turkish dotless i, en dashes)
"""Static material for the demo organisation: places, people's names, partners, venues.

Communes and postcodes are real; people, venues and phone numbers are invented. E-mail
addresses use the reserved example.* domains (RFC 2606) so none can reach a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "terrain-demo"
DEMO_ORGANISATION = "Terrain Microfinance (demo)"
TEXT_VERSION = "2025-03"
CONSENT_TEXT = (
    "J'accepte que l'organisation me contacte au sujet de mon projet. "
    "Mes données sont utilisées uniquement pour cela et je peux retirer mon accord à tout moment."
)


@dataclass(frozen=True)
class Place:
    commune: str
    postcode: str
    neighbourhoods: tuple[str, ...]
    weight: int


@dataclass(frozen=True)
class TeamSpec:
    name: str
    city: str
    share: float  # of all leads
    places: tuple[Place, ...]
    # Preferred languages of the people this team meets, with weights.
    languages: tuple[tuple[str, int], ...]


TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec(
        "Brussels",
        "Brussels",
        0.6,
        (
            Place("Molenbeek-Saint-Jean", "1080", ("Maritime", "Ribaucourt", "Étangs Noirs"), 18),
            Place("Anderlecht", "1070", ("Cureghem", "Clemenceau", "La Roue"), 15),
            Place("Schaerbeek", "1030", ("Brabant", "Helmet", "Josaphat"), 14),
            Place("Saint-Josse-ten-Noode", "1210", ("Madou", "Saint-Lazare"), 8),
            Place("Bruxelles-Ville", "1000", ("Marolles", "Anneessens", "Dansaert"), 10),
            Place("Laeken", "1020", ("Marie-Christine", "Bockstael"), 6),
            Place("Forest", "1190", ("Saint-Antoine", "Wiels"), 7),
            Place("Saint-Gilles", "1060", ("Parvis", "Midi"), 6),
            Place("Koekelberg", "1081", ("Basilique",), 3),
            Place("Ixelles", "1050", ("Matonge", "Flagey"), 5),
            Place("Evere", "1140", ("Paduwa",), 3),
            Place("Jette", "1090", ("Esseghem",), 3),
        ),
        (("fr", 50), ("ar", 14), ("nl", 8), ("tr", 8), ("ro", 7), ("en", 6), ("es", 4), ("pt", 3)),
    ),
    TeamSpec(
        "Antwerp",
        "Antwerpen",
        0.25,
        (
            Place("Antwerpen", "2060", ("Seefhoek", "Stuivenberg"), 12),
            Place("Borgerhout", "2140", ("Turnhoutsebaan", "Krugerpark"), 10),
            Place("Antwerpen", "2000", ("Sint-Andries", "Schipperskwartier"), 5),
            Place("Deurne", "2100", ("Deurne-Noord",), 5),
            Place("Merksem", "2170", ("Bredabaan",), 4),
            Place("Hoboken", "2660", ("Kiel",), 4),
        ),
        (("nl", 48), ("ar", 15), ("tr", 14), ("en", 12), ("fr", 5), ("ro", 3), ("es", 3)),
    ),
    TeamSpec(
        "Liège",
        "Liège",
        0.15,
        (
            Place("Liège", "4020", ("Outremeuse", "Bressoux", "Droixhe"), 10),
            Place("Liège", "4000", ("Saint-Léonard", "Sainte-Marguerite"), 9),
            Place("Seraing", "4100", ("Ougrée", "Centre"), 6),
            Place("Herstal", "4040", ("Marexhe",), 4),
        ),
        (("fr", 62), ("ar", 12), ("it", 8), ("tr", 8), ("en", 5), ("ro", 5)),
    ),
)


@dataclass(frozen=True)
class Community:
    """A community the agents meet: typical first and family names, usual languages."""

    name: str
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[str, ...]
    languages: tuple[str, ...]


COMMUNITIES: tuple[Community, ...] = (
    Community(
        "moroccan",
        ("Fatima", "Khadija", "Naima", "Samira", "Hanane", "Latifa", "Imane", "Nadia", "Salma"),
        ("Mohamed", "Youssef", "Said", "Karim", "Rachid", "Ayoub", "Soufiane", "Hamza", "Bilal"),
        (
            "El Amrani",
            "Benali",
            "Bouzid",
            "El Idrissi",
            "Azzouzi",
            "Chakir",
            "El Ouali",
            "Haddou",
            "Boukhari",
            "Tahiri",
            "Ziani",
            "El Khattabi",
            "Ait Ouahmane",
        ),
        ("fr", "ar", "nl"),
    ),
    Community(
        "turkish",
        ("Ayşe", "Elif", "Zeynep", "Fatma", "Hatice", "Esra", "Merve", "Emine"),
        ("Mehmet", "Emre", "Mustafa", "Hasan", "Burak", "Murat", "Ali", "Serkan"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Arslan"),
        ("tr", "fr", "nl"),
    ),
    Community(
        "congolese",
        ("Grâce", "Nadine", "Béatrice", "Chantal", "Espérance", "Divine", "Clarisse", "Mireille"),
        (
            "Jean-Pierre",
            "Patrick",
            "Christian",
            "Didier",
            "Serge",
            "Jonathan",
            "Fiston",
            "Héritier",
        ),
        ("Mukendi", "Tshibanda", "Lukusa", "Mbuyi", "Kalonji", "Ilunga", "Nsimba", "Kasongo"),
        ("fr", "en"),
    ),
    Community(
        "romanian",
        ("Ioana", "Elena", "Maria", "Alina", "Daniela", "Roxana", "Mihaela"),
        ("Andrei", "Mihai", "Florin", "Cristian", "Gheorghe", "Vasile", "Ionuț"),
        ("Popescu", "Ionescu", "Stan", "Dumitru", "Constantin", "Munteanu", "Stoica", "Radu"),
        ("ro", "fr", "en"),
    ),
    Community(
        "syrian",
        ("Rania", "Lina", "Hiba", "Rasha", "Dima", "Nour", "Reem"),
        ("Ahmad", "Omar", "Khaled", "Mahmoud", "Ammar", "Yaman", "Tarek"),
        ("Al-Hassan", "Haddad", "Khoury", "Darwish", "Sabbagh", "Mansour", "Hamdan", "Al-Masri"),
        ("ar", "en", "nl"),
    ),
    Community(
        "belgian_fr",
        ("Marie", "Sophie", "Céline", "Laura", "Julie", "Aurélie", "Nathalie"),
        ("Julien", "Thomas", "Nicolas", "Kevin", "Maxime", "Olivier", "Benoît"),
        ("Dubois", "Lambert", "Dupont", "Martin", "Lejeune", "Renard", "Leclercq", "Collard"),
        ("fr",),
    ),
    Community(
        "belgian_nl",
        ("Lotte", "Annelies", "Sofie", "Els", "Lien", "Hanne", "Katrien"),
        ("Jan", "Pieter", "Wout", "Bram", "Jens", "Koen", "Stijn"),
        ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Goossens", "De Smet"),
        ("nl",),
    ),
    Community(
        "latin_american",
        ("Ana", "Valentina", "Lucía", "Carolina", "Daniela"),
        ("Carlos", "Luis", "Andrés", "Diego", "Jorge"),
        ("García", "Rodríguez", "López", "Torres", "Ramírez", "Vargas"),
        ("es", "fr"),
    ),
    Community(
        "portuguese_brazilian",
        ("Juliana", "Ana Paula", "Fernanda", "Beatriz"),
        ("João", "Rafael", "Tiago", "Bruno"),
        ("Silva", "Santos", "Oliveira", "Pereira", "Costa"),
        ("pt", "fr"),
    ),
    Community(
        "italian",
        ("Francesca", "Giulia", "Rosa", "Antonella"),
        ("Giuseppe", "Salvatore", "Marco", "Vincenzo"),
        ("Russo", "Esposito", "Di Marco", "Lombardi", "Greco"),
        ("it", "fr"),
    ),
    Community(
        "west_african",
        ("Aminata", "Fatoumata", "Mariama", "Awa"),
        ("Mamadou", "Ibrahima", "Ousmane", "Abdoulaye"),
        ("Diallo", "Bah", "Barry", "Sow", "Camara", "Ndiaye"),
        ("fr", "en"),
    ),
)

# Which communities each team meets most (weights per community name).
COMMUNITY_WEIGHTS: dict[str, dict[str, int]] = {
    "Brussels": {
        "moroccan": 30,
        "turkish": 10,
        "congolese": 14,
        "romanian": 10,
        "syrian": 7,
        "belgian_fr": 9,
        "belgian_nl": 3,
        "latin_american": 5,
        "portuguese_brazilian": 4,
        "west_african": 8,
    },
    "Antwerp": {
        "moroccan": 28,
        "turkish": 18,
        "syrian": 10,
        "belgian_nl": 22,
        "congolese": 5,
        "romanian": 5,
        "west_african": 7,
        "latin_american": 5,
    },
    "Liège": {
        "belgian_fr": 26,
        "italian": 16,
        "moroccan": 18,
        "turkish": 12,
        "congolese": 10,
        "syrian": 8,
        "romanian": 5,
        "west_african": 5,
    },
}


@dataclass(frozen=True)
class StaffSpec:
    email: str
    name: str
    role: str
    teams: tuple[str, ...]
    language: str


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("admin@demo.terrain", "Anne Verhaegen", "admin", (), "fr"),
    StaffSpec("coordinator@demo.terrain", "Sarah Benjelloun", "coordinator", ("Brussels",), "fr"),
    StaffSpec(
        "coordinator2@demo.terrain",
        "Koen Van den Broeck",
        "coordinator",
        ("Antwerp", "Liège"),
        "nl",
    ),
    StaffSpec("agent@demo.terrain", "Yasmina El Haddad", "agent", ("Brussels",), "fr"),
    StaffSpec("agent2@demo.terrain", "Emre Yılmaz", "agent", ("Antwerp",), "nl"),
    StaffSpec("agent3@demo.terrain", "Grâce Mbuyi", "agent", ("Brussels",), "fr"),
    StaffSpec("agent4@demo.terrain", "Ionuț Popa", "agent", ("Brussels",), "fr"),
    StaffSpec("agent5@demo.terrain", "Omar Sabbagh", "agent", ("Brussels",), "en"),
    StaffSpec("agent6@demo.terrain", "Hatice Kaya", "agent", ("Brussels",), "fr"),
    StaffSpec("agent7@demo.terrain", "Nadia Azzouzi", "agent", ("Antwerp",), "nl"),
    StaffSpec("agent8@demo.terrain", "Jens Mertens", "agent", ("Antwerp",), "nl"),
    StaffSpec("agent9@demo.terrain", "Giulia Russo", "agent", ("Liège",), "fr"),
    StaffSpec("agent10@demo.terrain", "Mamadou Diallo", "agent", ("Liège",), "fr"),
)

# The fixed logins the README lists.
DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    ("admin@demo.terrain", "admin"),
    ("coordinator@demo.terrain", "coordinator, team Brussels"),
    ("agent@demo.terrain", "agent, team Brussels"),
    ("agent2@demo.terrain", "agent, team Antwerp"),
)


@dataclass(frozen=True)
class PartnerSpec:
    name: str
    kind: str
    city: str | None


PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec("Actiris", "employment_service", "Brussels"),
    PartnerSpec("VDAB", "employment_service", "Antwerpen"),
    PartnerSpec("Forem", "employment_service", "Liège"),
    PartnerSpec("CPAS de Molenbeek-Saint-Jean", "welfare_office", "Brussels"),
    PartnerSpec("CPAS d'Anderlecht", "welfare_office", "Brussels"),
    PartnerSpec("CPAS de Schaerbeek", "welfare_office", "Brussels"),
    PartnerSpec("OCMW Antwerpen", "welfare_office", "Antwerpen"),
    PartnerSpec("CPAS de Liège", "welfare_office", "Liège"),
    PartnerSpec("BON – Brussels Onthaalbureau Inburgering", "integration_agency", "Brussels"),
    PartnerSpec("Atlas Antwerpen", "integration_agency", "Antwerpen"),
    PartnerSpec("Centre régional d'intégration de Liège", "integration_agency", "Liège"),
    PartnerSpec("Maison de quartier Bonnevie", "ngo", "Brussels"),
    PartnerSpec("Femmes entrepreneures de Cureghem", "ngo", "Brussels"),
    PartnerSpec("Buurtwerk Seefhoek", "ngo", "Antwerpen"),
    PartnerSpec("Lire et Écrire Liège", "ngo", "Liège"),
)

# Partners each team works with (by name prefix match on city).
TEAM_PARTNER_CITY = {"Brussels": "Brussels", "Antwerp": "Antwerpen", "Liège": "Liège"}

VENUES: dict[str, tuple[tuple[str, str], ...]] = {
    "Brussels": (
        ("Épicerie Al Amal", "shop"),
        ("Boulangerie Istanbul", "shop"),
        ("Boucherie halal Atlas", "shop"),
        ("Salon Afro Beauté", "hairdresser"),
        ("Night shop Ribaucourt", "shop"),
        ("Café Le Maritime", "cafe"),
        ("Marché de la gare du Midi", "market"),
        ("Mosquée Al Khalil – salle polyvalente", "community_hall"),
        ("Église Saint-Joseph – salle paroissiale", "community_hall"),
        ("Alimentation Bucureşti", "shop"),
        ("Téléboutique Matonge", "shop"),
        ("École n°13 – sortie des classes", "school_gate"),
        ("Maison de quartier Helmet", "community_hall"),
        ("Pâtisserie Damas", "shop"),
        ("Garage Clemenceau", "workshop"),
        ("Marché des Abattoirs", "market"),
    ),
    "Antwerp": (
        ("Bakkerij Ankara", "shop"),
        ("Kapsalon Turnhoutsebaan", "hairdresser"),
        ("Buurthuis Stuivenberg", "community_hall"),
        ("Supermarkt Oriental", "shop"),
        ("Theaterplein markt", "market"),
        ("Café De Kiel", "cafe"),
        ("Telecomwinkel Seefhoek", "shop"),
    ),
    "Liège": (
        ("Épicerie italienne Da Rosa", "shop"),
        ("Marché de la Batte", "market"),
        ("Snack Outremeuse", "cafe"),
        ("Maison médicale Saint-Léonard – salle d'attente", "community_hall"),
        ("Boucherie Anatolie", "shop"),
    ),
}

SECTORS: tuple[tuple[str, str], ...] = (
    ("food", "Traiteur à domicile, plats du Maghreb"),
    ("food", "Food truck de spécialités syriennes"),
    ("food", "Pâtisserie orientale sur commande"),
    ("retail", "Épicerie de quartier avec produits africains"),
    ("retail", "Vente de vêtements en ligne et sur les marchés"),
    ("beauty", "Salon de coiffure afro"),
    ("beauty", "Onglerie et esthétique à domicile"),
    ("construction", "Petits travaux de rénovation et peinture"),
    ("construction", "Carrelage et plafonnage"),
    ("transport", "Déménagements avec camionnette"),
    ("transport", "Livraisons à vélo cargo"),
    ("services", "Nettoyage de bureaux"),
    ("services", "Garde d'enfants agréée"),
    ("services", "Réparation de smartphones"),
    ("crafts", "Couture et retouches"),
    ("crafts", "Bijoux et maroquinerie artisanale"),
    ("auto", "Garage et vente de pièces d'occasion"),
    ("horeca", "Reprise d'un snack"),
    ("horeca", "Café-restaurant de quartier"),
    ("it", "Création de sites web pour commerçants"),
)

MOBILE_PREFIXES = (
    "455",
    "456",
    "460",
    "465",
    "466",
    "467",
    "468",
    "470",
    "471",
    "472",
    "473",
    "474",
    "475",
    "476",
    "477",
    "478",
    "479",
    "483",
    "484",
    "485",
    "486",
    "487",
    "488",
    "489",
    "490",
    "491",
    "492",
    "493",
    "494",
    "495",
    "496",
    "497",
    "498",
    "499",
)

INTERACTION_NOTES: dict[str, tuple[str, ...]] = {
    "conversation": (
        "Rencontré au stand café, intéressé·e par un microcrédit.",
        "Discussion devant le magasin, a déjà une clientèle.",
        "Parle peu le français, son fils a traduit.",
        "Veut d'abord en parler en famille.",
    ),
    "call": (
        "Appel : projet confirmé, rendez-vous proposé.",
        "Appel : envoie son plan financier par WhatsApp.",
        "Appel : a besoin d'un accompagnement avant le crédit.",
    ),
    "call_failed": ("Pas de réponse.", "Messagerie, message laissé.", "Numéro occupé."),
    "appointment": (
        "Rendez-vous avec une conseillère à l'agence.",
        "Rendez-vous au café du quartier pour remplir le dossier.",
    ),
    "visit": ("Visite du local commercial.", "Visite à domicile pour voir l'atelier."),
    "note": (
        "Documents d'identité à compléter.",
        "Doit d'abord régulariser sa situation à la BCE.",
        "Bon profil pour le programme de coaching.",
    ),
    "referral": (
        "Orienté·e vers le partenaire pour un accompagnement emploi.",
        "Orienté·e vers le CPAS pour une aide sociale d'abord.",
    ),
}
