internal import Foundation

// Fictional reference data for `SyntheticGenerator`. Names are common given and family names
// combined at random; they describe no real person.

/// One name with its forms: as written with diacritics, folded to ASCII, in a native script
/// (if any), and other transliterations that are spelled differently.
struct SyntheticNameForm: Sendable {
    let display: String
    let ascii: String
    let native: String?
    let variants: [String]
    /// Lower-case a–z only of the ASCII form (index 0) and of each variant, for emails and handles.
    let slugs: [String]
    /// How name matching reads the native form: Cyrillic is transliterated (ICAO Doc 9303, as in
    /// passports), other scripts are compared as written.
    let nativeMatchForm: (latin: Bool, text: String)?

    /// `"display"`, `"display|native"`, or `"display|native|variant|variant"` (empty native = none).
    init(_ spec: String) {
        let parts = spec.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        display = parts[0]
        ascii = SyntheticNameForm.fold(parts[0])
        native = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
        variants = parts.count > 2 ? Array(parts[2...]) : []
        nativeMatchForm = native.map { n in
            let lower = n.lowercased()
            guard lower.unicodeScalars.allSatisfy({ (0x0430...0x045F).contains($0.value) || $0.value == 0x0491 }) else {
                return (false, n)
            }
            var out = ""
            for u in lower.unicodeScalars {
                out += u.value == 0x0491 ? "g" : SyntheticNameForm.icao[Int(u.value - 0x0430)]
            }
            return (true, out)
        }
        slugs = ([ascii] + variants).map { v in
            String(String.UnicodeScalarView(v.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) }))
        }
    }

    /// U+0430 ... U+045F to Latin, ICAO Doc 9303.
    static let icao: [String] = [
        "a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p",
        "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia",
        "e", "e", "d", "g", "ie", "dz", "i", "i", "j", "lj", "nj", "c", "k", "i", "u", "dz",
    ]

    static func fold(_ s: String) -> String {
        var folded = s.folding(options: [.diacriticInsensitive], locale: nil)
        for (from, to) in [("ł", "l"), ("Ł", "L"), ("đ", "d"), ("Đ", "D"), ("ø", "o"), ("ß", "ss")] {
            folded = folded.replacingOccurrences(of: from, with: to)
        }
        // Anything else that is still not ASCII (combining marks folding left behind) is dropped.
        return String(String.UnicodeScalarView(folded.unicodeScalars.filter { $0.isASCII }))
    }
}

struct SyntheticCulture: Sendable {
    let id: String
    let female: [SyntheticNameForm]
    let male: [SyntheticNameForm]
    let family: [SyntheticNameForm]
    /// Family name comes first when the name is said in full (Chinese, Vietnamese).
    let familyFirst: Bool
    /// People often carry two family names (Spanish, Portuguese).
    let doubleFamily: Bool
    /// Countries people of this culture in the data come from (ISO 3166-1), for phones and passports.
    let origins: [String]

    init(
        _ id: String, female: [String], male: [String], family: [String], familyFirst: Bool = false,
        doubleFamily: Bool = false, origins: [String]
    ) {
        self.id = id
        self.female = female.map(SyntheticNameForm.init)
        self.male = male.map(SyntheticNameForm.init)
        self.family = family.map(SyntheticNameForm.init)
        self.familyFirst = familyFirst
        self.doubleFamily = doubleFamily
        self.origins = origins
    }
}

enum SyntheticTables {
    static let anglo = 0, spanish = 1, portuguese = 2, vietnamese = 3, filipino = 4, nigerian = 5
    static let ukrainian = 6, chinese = 7, arabic = 8, romanian = 9, polish = 10, thai = 11

    static let cultures: [SyntheticCulture] = [
        SyntheticCulture(
            "anglo",
            female: ["Ashley", "Brittany", "Jessica", "Amber", "Destiny", "Tiffany", "Kayla", "Samantha", "Chloé", "Renée"],
            male: ["Tyler", "Marcus", "DeShawn", "Brandon", "Cody", "Jamal", "Travis", "Kevin", "Dustin", "Andre"],
            family: [
                "Smith", "Johnson", "Williams", "Brown", "Jackson", "O'Brien", "McAllister", "Washington",
                "Thompson", "Robinson", "Davis", "Miller", "St. Clair", "Fitzgerald",
            ],
            origins: []),
        SyntheticCulture(
            "spanish",
            female: [
                "María", "Guadalupe", "Lucía", "Ximena", "Sofía", "Valeria", "Fernanda", "Rocío", "Araceli",
                "Yesenia", "Itzel", "Maricela", "María José", "Inés",
            ],
            male: [
                "José", "Jesús", "Juan Carlos", "Ramón", "Andrés", "Julián", "Héctor", "Óscar", "Iván",
                "Luis Ángel", "Martín", "Efraín", "Joaquín",
            ],
            family: [
                "García", "Hernández", "López", "Martínez", "Pérez", "Sánchez", "Ramírez", "Núñez", "Muñoz",
                "Gutiérrez", "Domínguez", "Vázquez", "Jiménez", "Álvarez", "Castañeda", "Ordóñez", "Peña",
                "Ibarra", "Zúñiga", "Cortés", "de la Rosa",
            ],
            doubleFamily: true, origins: ["MX", "MX", "GT", "HN", "SV"]),
        SyntheticCulture(
            "portuguese",
            female: ["Conceição", "Tânia", "Letícia", "Márcia", "Luana", "Graça", "Thaís"],
            male: ["João", "Luís", "Gonçalo", "Antônio", "Sebastião", "Caio", "Vinícius"],
            family: [
                "Gonçalves", "Araújo", "Simões", "Magalhães", "Fernandes", "Rodrigues", "Brandão", "Guimarães",
                "Lima", "Assunção",
            ],
            doubleFamily: true, origins: ["BR"]),
        SyntheticCulture(
            "vietnamese",
            female: ["Thị Lan", "Thị Hương", "Ngọc Anh", "Thu Trang", "Thị Mai", "Phương Linh", "Bích Ngọc"],
            male: ["Văn Hùng", "Minh Tuấn", "Đức Anh", "Quốc Bảo", "Văn Nam", "Thành Long", "Hữu Phước"],
            family: ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô"],
            familyFirst: true, origins: ["VN"]),
        SyntheticCulture(
            "filipino",
            female: ["Maricel", "Jessa", "Ma. Cristina", "Rowena", "Lovely", "Analyn", "Rhea Mae"],
            male: ["Jhun", "Rodel", "Jerico", "Ramil", "Jomar", "Reynaldo", "John Paul"],
            family: [
                "dela Cruz", "Santos", "Reyes", "Bautista", "Villanueva", "Macaraeg", "Dimaculangan", "Mendoza",
                "Aquino", "Pañganiban",
            ],
            origins: ["PH"]),
        SyntheticCulture(
            "nigerian",
            female: ["Ngozi", "Adaeze", "Fúnmiláyọ̀", "Chiamaka", "Blessing", "Oluwatoyin", "Ifeoma"],
            male: ["Chinedu", "Emeka", "Olúwaṣeun", "Tunde", "Ikechukwu", "Babátúndé", "Godspower"],
            family: [
                "Okafor", "Adébáyọ̀", "Eze", "Ogunleye", "Nwachukwu", "Okonkwo", "Adéwálé", "Balogun", "Obi",
                "Onyekachi",
            ],
            origins: ["NG"]),
        SyntheticCulture(
            "ukrainian",
            female: [
                "Olena|Олена", "Oksana|Оксана", "Yuliia|Юлія|Yulia", "Kateryna|Катерина", "Iryna|Ірина",
                "Nataliia|Наталія|Natalia",
            ],
            male: [
                "Mykola|Микола", "Andrii|Андрій|Andriy", "Oleksandr|Олександр", "Serhii|Сергій|Sergiy",
                "Dmytro|Дмитро",
            ],
            family: [
                "Kovalenko|Коваленко", "Shevchenko|Шевченко", "Bondarenko|Бондаренко", "Tkachenko|Ткаченко",
                "Melnyk|Мельник", "Kravchenko|Кравченко", "Oliinyk|Олійник|Oliynyk", "Moroz|Мороз",
            ],
            origins: ["UA"]),
        SyntheticCulture(
            "chinese",
            female: ["Xiùyīng|秀英", "Lìhuá|丽华", "Mǐn|敏", "Jìng|静", "Xiǎolíng|晓玲", "Yàn|燕"],
            male: ["Wěi|伟", "Jiànguó|建国", "Qiáng|强", "Lěi|磊", "Jūn|军", "Hào|浩"],
            family: ["Wáng|王", "Lǐ|李", "Zhāng|张", "Liú|刘", "Chén|陈", "Zhōu|周", "Huáng|黄", "Wú|吴", "Lín|林"],
            familyFirst: true, origins: ["CN"]),
        SyntheticCulture(
            "arabic",
            female: ["Fatima||Fatimah|Fatma", "Aisha||Aysha|Aicha", "Mariam||Maryam", "Nour||Noor", "Layla||Leila|Laila"],
            male: [
                "Mohammed||Muhammad|Mohamed", "Ahmed||Ahmad", "Youssef||Yusuf|Yousef", "Omar||Umar",
                "Khaled||Khalid", "Hussein||Husayn|Hussain",
            ],
            family: [
                "Al-Hassan", "El-Sayed||Elsayed", "Haddad", "Abdullah||Abdallah", "Nasser||Nasir", "Al-Masri",
                "Khoury||Khouri", "Mansour||Mansur", "Saleh||Salih",
            ],
            origins: ["EG", "JO", "MA"]),
        SyntheticCulture(
            "romanian",
            female: ["Ioana", "Andreea", "Mădălina", "Ștefania", "Alexandra", "Ramona", "Bianca"],
            male: ["Ștefan", "Mihai", "Răzvan", "Ionuț", "Cătălin", "Gheorghe", "Florin"],
            family: [
                "Popescu", "Ionescu", "Țurcanu", "Dumitrașcu", "Constantinescu", "Stănescu", "Munteanu", "Bălan",
                "Lungu",
            ],
            origins: ["RO"]),
        SyntheticCulture(
            "polish",
            female: ["Małgorzata", "Zofia", "Agnieszka", "Katarzyna", "Łucja", "Joanna"],
            male: ["Łukasz", "Wojciech", "Paweł", "Michał", "Grzegorz", "Jarosław"],
            family: ["Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Zając", "Król", "Wróbel", "Woźniak", "Sikora"],
            origins: ["PL"]),
        SyntheticCulture(
            "thai",
            female: ["Siriporn|ศิริพร", "Kanya|กัญญา", "Malee|มาลี", "Ratana|รัตนา", "Pim|พิมพ์"],
            male: ["Somchai|สมชาย", "Nattapong|ณัฐพงษ์", "Anan|อนันต์", "Prasert|ประเสริฐ", "Wichai|วิชัย"],
            family: ["Srisuk|ศรีสุข", "Wongsawat|วงศ์สวัสดิ์", "Chaiyaporn|ชัยพร", "Saetang|แซ่ตั้ง", "Boonmee|บุญมี", "Thongchai|ธงชัย"],
            origins: ["TH"]),
    ]

    /// Street names and nicknames, used as given-only aliases.
    static let streetNames = [
        "El Flaco", "La Güera", "Kiki", "Baby", "Papi", "Lil Tee", "Big Mike", "Chino", "La Flaca", "Daddy",
        "Mami", "Princess", "Diamond", "El Güero", "Coco", "Sasha", "Jefe", "Tío",
    ]
    /// Truth keys of `streetNames` (given-only names).
    static let streetNameKeys = streetNames.map { "L:" + SyntheticNameForm.fold($0).lowercased() + "|" }

    struct Agency: Sendable {
        let nodeId: String
        let name: String
        let region: String
        let jurisdiction: String
        let prefix: String
        /// Area codes (NANP, MX) used for local numbers; GB agencies use the Ofcom drama ranges.
        let areaCodes: [String]
        let city: String
        let spanish: Bool
        /// Names are exported as one "FAMILY, Given" field.
        let familyFirst: Bool
        let cultureWeights: [Double]
    }

    //                         anglo spa  por  vie  fil  nga  ukr  chn  ara  rou  pol  tha
    static let usMix: [Double] = [25, 30, 3, 6, 6, 5, 5, 8, 4, 3, 3, 5]
    static let mxMix: [Double] = [4, 80, 4, 1, 1, 1, 3, 4, 2, 1, 1, 1]
    static let caMix: [Double] = [25, 8, 2, 8, 12, 6, 10, 15, 6, 5, 5, 2]
    static let gbMix: [Double] = [25, 3, 3, 10, 3, 12, 6, 5, 8, 15, 12, 4]

    static let agencies: [Agency] = [
        Agency(
            nodeId: "us-ca-sfpd", name: "San Francisco Police Department", region: "US", jurisdiction: "US-CA",
            prefix: "SFPD", areaCodes: ["415", "628"], city: "San Francisco", spanish: false, familyFirst: false,
            cultureWeights: usMix),
        Agency(
            nodeId: "us-nv-lvmpd", name: "Las Vegas Metropolitan Police Department", region: "US",
            jurisdiction: "US-NV", prefix: "LVMPD", areaCodes: ["702", "725"], city: "Las Vegas", spanish: false,
            familyFirst: false, cultureWeights: usMix),
        Agency(
            nodeId: "us-tx-hpd", name: "Houston Police Department", region: "US", jurisdiction: "US-TX",
            prefix: "HPD", areaCodes: ["713", "281", "832"], city: "Houston", spanish: false, familyFirst: true,
            cultureWeights: usMix),
        Agency(
            nodeId: "us-ny-nypd", name: "New York City Police Department", region: "US", jurisdiction: "US-NY",
            prefix: "NYPD", areaCodes: ["212", "718", "917", "347"], city: "New York", spanish: false,
            familyFirst: false, cultureWeights: usMix),
        Agency(
            nodeId: "us-fl-mdpd", name: "Miami-Dade Police Department", region: "US", jurisdiction: "US-FL",
            prefix: "MDPD", areaCodes: ["305", "786"], city: "Miami", spanish: false, familyFirst: false,
            cultureWeights: usMix),
        Agency(
            nodeId: "us-ga-apd", name: "Atlanta Police Department", region: "US", jurisdiction: "US-GA",
            prefix: "APD", areaCodes: ["404", "678", "470"], city: "Atlanta", spanish: false, familyFirst: false,
            cultureWeights: usMix),
        Agency(
            nodeId: "mx-bcn-fge", name: "Fiscalía General del Estado de Baja California", region: "MX",
            jurisdiction: "MX-BCN", prefix: "FGEBC", areaCodes: ["664", "686", "646"], city: "Tijuana",
            spanish: true, familyFirst: false, cultureWeights: mxMix),
        Agency(
            nodeId: "ca-on-tps", name: "Toronto Police Service", region: "CA", jurisdiction: "CA-ON", prefix: "TPS",
            areaCodes: ["416", "647", "437"], city: "Toronto", spanish: false, familyFirst: false,
            cultureWeights: caMix),
        Agency(
            nodeId: "gb-met", name: "Metropolitan Police Service", region: "GB", jurisdiction: "GB-ENG",
            prefix: "MPS", areaCodes: [], city: "London", spanish: false, familyFirst: true, cultureWeights: gbMix),
        Agency(
            nodeId: "us-wa-spd", name: "Seattle Police Department", region: "US", jurisdiction: "US-WA",
            prefix: "SPD", areaCodes: ["206"], city: "Seattle", spanish: false, familyFirst: false,
            cultureWeights: usMix),
        Agency(
            nodeId: "us-il-cpd", name: "Chicago Police Department", region: "US", jurisdiction: "US-IL",
            prefix: "CPD", areaCodes: ["312", "773", "872"], city: "Chicago", spanish: false, familyFirst: false,
            cultureWeights: usMix),
        Agency(
            nodeId: "mx-cmx-fgj", name: "Fiscalía General de Justicia de la Ciudad de México", region: "MX",
            jurisdiction: "MX-CMX", prefix: "FGJCDMX", areaCodes: ["55", "56"], city: "Ciudad de México",
            spanish: true, familyFirst: false, cultureWeights: mxMix),
        Agency(
            nodeId: "us-az-ppd", name: "Phoenix Police Department", region: "US", jurisdiction: "US-AZ",
            prefix: "PPD", areaCodes: ["602", "480"], city: "Phoenix", spanish: false, familyFirst: false,
            cultureWeights: usMix),
        Agency(
            nodeId: "ca-bc-vpd", name: "Vancouver Police Department", region: "CA", jurisdiction: "CA-BC",
            prefix: "VPD", areaCodes: ["604", "778"], city: "Vancouver", spanish: false, familyFirst: false,
            cultureWeights: caMix),
        Agency(
            nodeId: "us-la-nopd", name: "New Orleans Police Department", region: "US", jurisdiction: "US-LA",
            prefix: "NOPD", areaCodes: ["504"], city: "New Orleans", spanish: false, familyFirst: false,
            cultureWeights: usMix),
        Agency(
            nodeId: "gb-gmp", name: "Greater Manchester Police", region: "GB", jurisdiction: "GB-ENG",
            prefix: "GMP", areaCodes: [], city: "Manchester", spanish: false, familyFirst: false,
            cultureWeights: gbMix),
        Agency(
            nodeId: "us-ma-bpd", name: "Boston Police Department", region: "US", jurisdiction: "US-MA",
            prefix: "BPD", areaCodes: ["617", "857"], city: "Boston", spanish: false, familyFirst: false,
            cultureWeights: usMix),
        Agency(
            nodeId: "us-co-dpd", name: "Denver Police Department", region: "US", jurisdiction: "US-CO",
            prefix: "DPD", areaCodes: ["303", "720"], city: "Denver", spanish: false, familyFirst: false,
            cultureWeights: usMix),
    ]

    /// Further NANP area codes, for numbers once an agency's own codes run out of fictional lines
    /// and for people from elsewhere in the country.
    static let usAreaCodes = [
        "201", "202", "203", "205", "207", "208", "210", "213", "214", "215", "216", "217", "219", "224", "225",
        "228", "229", "231", "234", "239", "240", "248", "251", "252", "253", "254", "256", "260", "262", "267",
        "269", "270", "276", "301", "302", "304", "305", "309", "310", "313", "314", "315", "316", "317", "318",
        "319", "320", "321", "323", "330", "334", "336", "337", "339", "347", "351", "352", "360", "361", "385",
        "386", "401", "402", "405", "406", "407", "408", "409", "410", "412", "413", "414", "417", "419", "423",
        "424", "425", "432", "434", "435", "440", "442", "443", "469", "478", "479", "501", "502", "503", "505",
        "507", "508", "509", "510", "512", "513", "515", "516", "517", "518", "520", "530", "540", "541", "559",
        "561", "562", "563", "567", "570", "571", "573", "574", "580", "585", "586", "601", "603", "605", "606",
        "607", "608", "609", "610", "612", "614", "615", "616", "618", "619", "620", "623", "626", "630", "631",
        "636", "641", "646", "650", "651", "657", "660", "661", "662", "701", "703", "704", "706", "707", "708",
        "712", "714", "715", "716", "717", "718", "719", "724", "727", "731", "732", "734", "740", "747", "754",
        "757", "760", "763", "765", "770", "772", "774", "775", "779", "781", "785", "801", "802", "803", "804",
        "805", "806", "808", "810", "812", "813", "814", "815", "816", "817", "818", "828", "830", "831", "843",
        "845", "847", "848", "850", "856", "858", "859", "860", "862", "863", "864", "865", "870", "878", "901",
        "903", "904", "907", "908", "909", "910", "912", "913", "914", "915", "916", "918", "919", "920", "925",
        "928", "931", "936", "937", "940", "941", "947", "949", "951", "952", "954", "956", "970", "971", "972",
        "973", "978", "979", "980", "985", "989",
    ]
    static let caAreaCodes = [
        "403", "416", "418", "431", "437", "438", "450", "506", "514", "519", "548", "579", "581", "587", "604",
        "613", "639", "647", "705", "709", "778", "780", "782", "807", "819", "825", "867", "873", "902", "905",
    ]
    static let mxAreaCodes = ["55", "56", "33", "81", "664", "686", "646", "222", "999", "998", "477", "442"]

    static let usStates = [
        "US-CA", "US-NV", "US-TX", "US-NY", "US-FL", "US-GA", "US-AZ", "US-WA", "US-IL", "US-OR", "US-NM", "US-NJ",
    ]

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    static let investigatorsEN = [
        ("Karen", "Liu"), ("Michael", "Ortega"), ("Dana", "Whitfield"), ("Robert", "Nguyen"), ("Alicia", "Brooks"),
        ("Samuel", "Osei"), ("Priya", "Raman"), ("Thomas", "Kowalski"), ("Grace", "O'Neill"), ("Luis", "Navarro"),
    ]
    static let investigatorsES = [
        ("Mariana", "Olvera"), ("Ricardo", "Salinas"), ("Patricia", "Cázares"), ("Jorge", "Beltrán"),
        ("Elena", "Quintero"), ("Arturo", "Medina"),
    ]
    static let unitsUS = ["Human Trafficking Unit", "Special Victims Unit", "Vice Section", "Crimes Against Children Unit"]
    static let unitsCA = ["Human Trafficking Enforcement Team", "Sex Crimes Unit"]
    static let unitsGB = ["Modern Slavery and Exploitation Unit", "Safeguarding Hub"]
    static let unitsMX = ["Unidad de Investigación de Trata de Personas", "Fiscalía Especializada en Trata"]

    static let narrativesEN = [
        "Victim recovered during a hotel operation in {city}; suspect advertised her online and kept her ID.",
        "Workers at a {business} reported unpaid wages and confiscated passports.",
        "Hotline tip about a minor advertised on a classifieds site; phone number traced to the suspect.",
        "Suspect drove victims between {city} and neighbouring states; plate captured by a reader.",
        "Victim said \"he told me I owed him for the trip\" and was not allowed to leave the apartment.",
        "Massage business with workers living on site and doors locked from the outside.",
        "Labour contractor charged recruitment fees, held documents, and threatened deportation.",
        "Runaway teen recruited through social media, then moved to {city} by an associate.",
        "Nail salon employees paid in cash well below minimum wage, housed by the owner.",
        "Traffic stop found two women with no identification and several prepaid phones.",
    ]
    static let narrativesES = [
        "Víctima rescatada en un operativo en {city}; el probable responsable la anunciaba en redes sociales.",
        "Trabajadores de un {business} denunciaron retención de documentos y salarios no pagados.",
        "Denuncia anónima sobre una menor ofrecida en línea; el número telefónico lleva al imputado.",
        "El imputado trasladaba víctimas entre {city} y Estados Unidos; se registró la placa del vehículo.",
        "La víctima declaró que \"le debía el viaje\" y no la dejaban salir del domicilio.",
    ]
    static let businessesEN = ["restaurant", "farm", "construction site", "nail salon", "cleaning company", "bar"]
    static let businessesES = ["restaurante", "campo agrícola", "taller", "bar", "hotel"]
}
