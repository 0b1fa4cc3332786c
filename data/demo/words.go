package demo

import "ascolto/data"

// Invented people of South Tyrol: common first names and surnames of both language
// groups, with the accents and umlauts a register must handle.
var firstNames = map[data.Language][]string{
	data.German: {"Lukas", "Maximilian", "Jonas", "Matthias", "Florian", "Andreas", "Thomas", "Günther", "Jörg", "Jürgen",
		"Anna", "Lena", "Sophia", "Hannah", "Magdalena", "Theresa", "Verena", "Brigitte", "Jutta", "Zoë", "Lea", "Sarah",
		"Martina", "Elisabeth", "Franziska", "Matthäus", "Valentin", "Tobias", "Jakob", "Katharina"},
	data.Italian: {"Nicolò", "Niccolò", "Luca", "Marco", "Matteo", "Andrea", "Francesco", "Alessandro", "Davide", "Gianluca",
		"Giulia", "Chiara", "Francesca", "Sara", "Martina", "Elena", "Alessia", "Federica", "Giorgia", "Noemi",
		"Mattia", "Lorenzo", "Tommaso", "Gabriele", "Simona", "Ilaria", "Raffaella", "Daniela", "Cristina", "Fabrizio"},
}

var surnames = map[data.Language][]string{
	data.German: {"Müller", "Pichler", "Gruber", "Hofer", "Mair", "Mayr", "Kofler", "Egger", "Brunner", "Oberhofer",
		"Thaler", "Unterholzner", "Fröhlich", "Hölzl", "Thöni", "Gasser", "Rainer", "Obexer", "Plörer", "Kröss",
		"Schwienbacher", "Überbacher", "Wörndle", "Außerhofer", "Prünster", "Stöckl", "Lanthaler", "Kerschbaumer", "Tschöll", "Pföstl"},
	data.Italian: {"Rossi", "Bianchi", "Ferrari", "Esposito", "Ricci", "Marino", "Greco", "Bruno", "Colombo", "Conti",
		"De Marchi", "Dalla Via", "Zanella", "Bortolotti", "Degasperi", "Santoro", "Fabbri", "Cattaneo", "Lombardi", "Moretti",
		"Dell'Antonio", "Zanoni", "Visintainer", "Pedrotti", "Forlin", "Sartori", "Benetti", "D'Amico", "Pellegrini", "Nardelli"},
}

var streets = map[data.Language][]string{
	data.German: {"Laubengasse", "Mustergasse", "Bahnhofstraße", "Hauptstraße", "Kirchweg", "Dorfplatz", "Sparkassenstraße",
		"Mühlgasse", "Rosengartenstraße", "Grieser Platz", "Drususallee", "Goethestraße", "Weinbergweg", "Obstmarkt"},
	data.Italian: {"Via Portici", "Via Museo", "Via della Stazione", "Via Roma", "Corso Libertà", "Piazza Walther",
		"Via Cassa di Risparmio", "Via dei Mulini", "Via Catinaccio", "Piazza Gries", "Viale Druso", "Via Goethe",
		"Via Milano", "Piazza Erbe"},
}

var towns = []struct{ it, de, cap string }{
	{"Bolzano", "Bozen", "39100"}, {"Egna", "Neumarkt", "39044"}, {"Merano", "Meran", "39012"},
	{"Bressanone", "Brixen", "39042"}, {"Laives", "Leifers", "39055"}, {"Appiano", "Eppan", "39057"},
	{"Caldaro", "Kaltern", "39052"}, {"Brunico", "Bruneck", "39031"}, {"Vipiteno", "Sterzing", "39049"},
	{"Ortisei", "St. Ulrich", "39046"}, {"Salorno", "Salurn", "39040"}, {"Ora", "Auer", "39040"},
}

var mailDomains = []string{"example.it", "posta.example.it", "example.com", "mail.example.org", "example.net"}

// clerks are the demo offices' staff: they register, take and answer the cases.
var clerks = []string{"Anna Pichler", "Marco Rossi", "Lukas Gruber", "Giulia Ferrari", "Verena Kofler",
	"Stefano Dallago", "Martina Thaler", "Andreas Gamper"}

type topic struct {
	it, de            string
	descIT, descDE    string
	replyIT, replyDE  string
	category, service string
}

// topics per kind: what people bring to a job centre, in both languages.
var topics = map[data.Kind][]topic{
	data.KindRequest: {
		{"Richiesta certificato di disoccupazione", "Anfrage Arbeitslosenbescheinigung",
			"Chiedo il rilascio del certificato di disoccupazione per la domanda di indennità.", "Ich ersuche um die Ausstellung der Arbeitslosenbescheinigung für den Antrag auf Arbeitslosengeld.",
			"Gentile {name}, il certificato richiesto è pronto e può essere ritirato allo sportello.", "Sehr geehrte/r {name}, die beantragte Bescheinigung liegt zur Abholung am Schalter bereit.",
			"certificati", "Servizio lavoro"},
		{"Informazioni sui corsi di riqualificazione", "Auskunft über Umschulungskurse",
			"Vorrei sapere quali corsi di riqualificazione professionale sono previsti in autunno.", "Ich möchte wissen, welche Umschulungskurse im Herbst angeboten werden.",
			"Gentile {name}, in allegato trova l'elenco dei corsi con le date di iscrizione.", "Sehr geehrte/r {name}, anbei finden Sie die Liste der Kurse mit den Anmeldefristen.",
			"formazione", "Servizio formazione"},
		{"Iscrizione nelle liste di mobilità", "Eintragung in die Mobilitätslisten",
			"Chiedo come iscrivermi nelle liste di mobilità dopo il licenziamento.", "Ich frage an, wie ich mich nach der Kündigung in die Mobilitätslisten eintragen kann.",
			"Gentile {name}, per l'iscrizione serve la lettera di licenziamento; può prenotare un appuntamento.", "Sehr geehrte/r {name}, für die Eintragung benötigen wir das Kündigungsschreiben; Sie können einen Termin vereinbaren.",
			"mobilità", "Servizio lavoro"},
		{"Richiesta di appuntamento per consulenza", "Terminanfrage für eine Beratung",
			"Desidero un colloquio di orientamento professionale.", "Ich wünsche ein Gespräch zur beruflichen Orientierung.",
			"Gentile {name}, le abbiamo fissato un appuntamento; riceverà conferma per e-mail.", "Sehr geehrte/r {name}, wir haben einen Termin für Sie vorgemerkt; Sie erhalten eine Bestätigung per E-Mail.",
			"consulenza", "Orientamento"},
	},
	data.KindProposal: {
		{"Proposta: prenotazione appuntamenti online", "Vorschlag: Online-Terminvereinbarung",
			"Propongo di poter prenotare gli appuntamenti via internet.", "Ich schlage vor, Termine über das Internet buchen zu können.",
			"Gentile {name}, grazie della proposta: la stiamo valutando per il prossimo anno.", "Sehr geehrte/r {name}, danke für den Vorschlag: wir prüfen ihn für das kommende Jahr.",
			"organizzazione", "Direzione"},
		{"Proposta: orario prolungato il giovedì", "Vorschlag: längere Öffnungszeiten am Donnerstag",
			"Chi lavora non riesce a venire prima delle 17.", "Berufstätige schaffen es nicht vor 17 Uhr.",
			"Gentile {name}, dal prossimo mese il giovedì saremo aperti fino alle 18.", "Sehr geehrte/r {name}, ab nächstem Monat haben wir donnerstags bis 18 Uhr geöffnet.",
			"orari", "Direzione"},
	},
	data.KindReport: {
		{"Segnalazione: offerta di lavoro non più attuale", "Meldung: Stellenangebot nicht mehr aktuell",
			"L'offerta pubblicata in bacheca è già stata coperta.", "Das ausgehängte Stellenangebot ist bereits besetzt.",
			"Gentile {name}, grazie: l'offerta è stata rimossa.", "Sehr geehrte/r {name}, danke: das Angebot wurde entfernt.",
			"offerte di lavoro", "Servizio lavoro"},
		{"Segnalazione: terminale self-service guasto", "Meldung: Selbstbedienungsterminal defekt",
			"Il terminale all'ingresso non stampa le ricevute.", "Das Terminal am Eingang druckt keine Belege.",
			"Gentile {name}, il terminale è stato riparato.", "Sehr geehrte/r {name}, das Terminal wurde repariert.",
			"infrastruttura", "Servizio tecnico"},
	},
	data.KindSuggestion: {
		{"Suggerimento: moduli anche in formato digitale", "Anregung: Formulare auch digital",
			"Sarebbe utile poter compilare i moduli al computer.", "Es wäre hilfreich, die Formulare am Computer ausfüllen zu können.",
			"Gentile {name}, i moduli sono ora disponibili sul sito.", "Sehr geehrte/r {name}, die Formulare stehen nun auf der Webseite zur Verfügung.",
			"moduli", "Direzione"},
		{"Suggerimento: sala d'attesa con più sedie", "Anregung: mehr Sitzplätze im Warteraum",
			"Nelle mattine di lunedì molte persone attendono in piedi.", "Am Montagvormittag warten viele Menschen im Stehen.",
			"Gentile {name}, abbiamo aggiunto dieci sedute.", "Sehr geehrte/r {name}, wir haben zehn Sitzplätze hinzugefügt.",
			"infrastruttura", "Servizio tecnico"},
	},
	data.KindComplaint: {
		{"Reclamo: tempi di attesa allo sportello", "Beschwerde: Wartezeiten am Schalter",
			"Ho atteso più di un'ora senza essere ricevuto.", "Ich habe über eine Stunde gewartet, ohne drangekommen zu sein. Die Wartezeiten sind zu lang.",
			"Gentile {name}, ci scusiamo per l'attesa; abbiamo rafforzato lo sportello il lunedì.", "Sehr geehrte/r {name}, wir entschuldigen uns für die Wartezeit; am Montag ist der Schalter nun stärker besetzt.",
			"tempi di attesa", "Servizio lavoro"},
		{"Reclamo: risposta non ricevuta", "Beschwerde: keine Antwort erhalten",
			"Ho scritto due settimane fa e non ho ricevuto risposta.", "Ich habe vor zwei Wochen geschrieben und keine Antwort erhalten.",
			"Gentile {name}, ci scusiamo: la sua richiesta è stata evasa oggi.", "Sehr geehrte/r {name}, wir entschuldigen uns: Ihr Anliegen wurde heute erledigt.",
			"comunicazione", "Direzione"},
		{"Reclamo: informazioni contraddittorie", "Beschwerde: widersprüchliche Auskünfte",
			"Due addetti mi hanno dato indicazioni diverse sull'indennità.", "Zwei Mitarbeiter haben mir unterschiedliche Auskünfte zum Arbeitslosengeld gegeben.",
			"Gentile {name}, la informazione corretta è quella allegata; abbiamo chiarito la procedura con il personale.", "Sehr geehrte/r {name}, die richtige Auskunft finden Sie beiliegend; wir haben den Ablauf mit dem Personal geklärt.",
			"comunicazione", "Servizio lavoro"},
	},
	data.KindPraise: {
		{"Elogio per la cortesia del personale", "Lob für die freundliche Beratung",
			"Ringrazio per la disponibilità e la competenza.", "Ich bedanke mich für die Hilfsbereitschaft und die kompetente Beratung.",
			"Gentile {name}, grazie per il suo messaggio, lo abbiamo condiviso con il personale.", "Sehr geehrte/r {name}, danke für Ihre Nachricht, wir haben sie an das Team weitergegeben.",
			"cortesia", "Servizio lavoro"},
	},
}
