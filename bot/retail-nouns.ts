// Things people buy in shops, as they name them (singular). A request for one the catalogue does
// not hold is answered "I couldn't find any …"; a request whose thing is none of these and nothing
// the catalogue sells ("bitcoin price today", "a good movie to watch") is not a shopping request.
// Written here for an Indian general store; extend it when the store sells more kinds of things.

const WORDS = `
ac adapter aircooler almirah amplifier apron atta backpack bag bangle basket bat battery bead bed bedsheet
bench bicycle bike bindi blanket blazer blender blouse board boiler book bookshelf boot bottle bowl box bra
bracelet brush bucket bulb cabinet cable cake calculator camera candle cap car card carpet cart case chain
chair charger chappal chimney chocolate chopper churidar clock coat comb computer console cooker cooler
cosmetic cot couch cover cream crockery cup cupboard curtain cushion cutlery cycle deodorant desk detergent
diaper diary doll door drawer dress dresser drill drone dryer dumbbell dupatta duvet earbud earphone
earring envelope eraser extension fan file filter flask flower football frame freezer fridge frock fryer
furniture game gamepad geyser gift glass glove goggle grinder guitar hairdryer hammer handbag hanger headphone headset
heater helmet hoodie humidifier iron jacket jar jean jeans jersey jewellery jewelry juicer jug jumper kadai
kajal kettle keyboard kindle kit knife kurta kurti lamp laptop leggings lehenga lens lipstick lock lotion
lunchbox machine mascara mat mattress microwave mirror mixer mixie mobile modem monitor mop mouse mug napkin
necklace nightdress notebook nutella oil oven pad paint palazzo pan pant pants paper pen pencil pendant perfume
phone pillow planner plant plate pot powerbank printer projector purse pyjama quilt rack racket radio
razor refrigerator remote ring robot router rug sandal saree sari scale scanner scarf scooter screen
serum shampoo shaver sheet shelf shirt shoe shorts shoe skirt slipper soap sock sofa speaker spoon
stand stapler steamer stick sticker stool stove suit suitcase sunglass sunscreen sweater sweatshirt
table tablet tap tawa tea teddy television tent thermos tie tiffin toaster toothbrush toothpaste top towel
toy track tracksuit trimmer trolley trouser tshirt t-shirt tub tv umbrella underwear vacuum vase vest wallet
wardrobe washer watch webcam wig wipe wire wok yoga treadmill stroller pram crib cradle walker highchair
bassinet trampoline skate skateboard kettlebell barbell cooktop hob dishwasher dehumidifier inverter sewing harddisk hdd ssd pendrive drive disk memory
cell lantern ornament poster sign badge magnet tin crate tray incense diya rangoli torch flashlight cartridge ink toner marker crayon scissors glue tape label ribbon wrap balloon holder hook rope pouch belt hat mask sanitizer doormat tablecloth coaster fork saucer teapot tumbler container whisk spatula ladle tongs griller processor sealer frother maker dispenser purifier broom dustbin bin hub dongle reader tripod stylus protector guard skin sleeve microphone mic joystick controller extender repeater switch receiver soundbar band tracker inverter ups stabilizer tubelight charm keychain wreath garland figurine statue bell nightlight biscuit coffee spice dryfruit sweets organiser organizer
smartwatch smartphone straightener curler epilator hairbrush mousepad protein supplement otg
`;

export const RETAIL_NOUNS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter(Boolean));

/**
 * Whether any word of a message ("cricket bat english willow") is one of those things; not a verb
 * after "to" ("a movie to watch").
 */
export function namesRetailThing(text: string): boolean {
  const words = text.toLowerCase().match(/[a-z][a-z-]*/g) ?? [];
  return words.some((w, i) => words[i - 1] !== 'to' && (RETAIL_NOUNS.has(w) || RETAIL_NOUNS.has(w.replace(/(?:es|s)$/, '')) || RETAIL_NOUNS.has(w.replace(/s$/, ''))));
}
