// Hindi typed in Devanagari ("रिटर्न पॉलिसी क्या है", "मेरा रिफंड कब आएगा") mostly carries the
// shop's English words spelt in Hindi letters, held together by a few Hindi words. Those are
// written out in the Latin letters of romanised Hindi, which bot/hinglish.ts then glosses into
// English for the encoder. A message whose words are mostly not known here is left alone and
// gets the honest "English for now" answer.

/** Devanagari words (as typed, with the common spellings) and their romanised form. */
const WORDS: Record<string, string> = {};
const add = (roman: string, ...forms: string[]) => {
  for (const f of forms) WORDS[f] = roman;
};

// The shop's English words as Hindi writes them.
add('order', 'ऑर्डर', 'आर्डर', 'ओर्डर', 'ऑडर');
add('return', 'रिटर्न', 'रिटन', 'लौटाना', 'लौटाने', 'लौटाऊं', 'लौटाऊँ');
add('refund', 'रिफंड', 'रिफ़ंड', 'रीफंड');
add('policy', 'पॉलिसी', 'पालिसी', 'पोलिसी', 'नीति');
add('delivery', 'डिलीवरी', 'डिलिवरी', 'डेलिवरी', 'डिलेवरी');
add('payment', 'पेमेंट', 'भुगतान');
add('cash', 'कैश', 'नकद');
add('on', 'ऑन', 'पर');
add('cancel', 'कैंसल', 'कैंसिल', 'रद्द');
add('warranty', 'वारंटी', 'वारण्टी');
add('guarantee', 'गारंटी');
add('exchange', 'एक्सचेंज', 'बदलना', 'बदलें', 'बदल', 'बदलवाना');
add('emi', 'ईएमआई');
add('upi', 'यूपीआई');
add('card', 'कार्ड');
add('credit', 'क्रेडिट');
add('debit', 'डेबिट');
add('phone', 'फोन', 'फ़ोन');
add('mobile', 'मोबाइल');
add('laptop', 'लैपटॉप', 'लैपटाप');
add('headphones', 'हेडफोन', 'हेडफ़ोन');
add('earphones', 'ईयरफोन', 'ईयरफ़ोन');
add('tv', 'टीवी');
add('fridge', 'फ्रिज', 'फ़्रिज');
add('watch', 'घड़ी', 'वॉच');
add('iron', 'आयरन', 'प्रेस');
add('product', 'प्रोडक्ट', 'उत्पाद');
// Things people ask for, as Hindi writes their names.
add('mixer', 'मिक्सर');
add('mixie', 'मिक्सी');
add('grinder', 'ग्राइंडर');
add('cooker', 'कुकर');
add('pressure', 'प्रेशर');
add('kettle', 'केतली', 'केटल');
add('fan', 'पंखा', 'फैन');
add('geyser', 'गीजर', 'गीज़र');
add('heater', 'हीटर');
add('cooler', 'कूलर');
add('bulb', 'बल्ब');
add('light', 'लाइट');
add('charger', 'चार्जर');
add('cable', 'केबल');
add('power', 'पावर');
add('bank', 'बैंक');
add('bag', 'बैग', 'थैला');
add('shoes', 'जूते', 'जूता');
add('book', 'किताब', 'बुक');
add('toy', 'खिलौना', 'खिलौने');
add('bottle', 'बोतल');
add('glass', 'ग्लास', 'गिलास');
add('cup', 'कप');
add('mug', 'मग');
add('plate', 'प्लेट', 'थाली');
add('pillow', 'तकिया');
add('bedsheet', 'चादर', 'बेडशीट');
add('blanket', 'कंबल', 'कम्बल');
add('speaker', 'स्पीकर');
add('keyboard', 'कीबोर्ड');
add('mouse', 'माउस');
add('printer', 'प्रिंटर');
add('camera', 'कैमरा');
add('tablet', 'टैबलेट');
add('kindle', 'किंडल');
add('trimmer', 'ट्रिमर');
add('smartwatch', 'स्मार्टवॉच');
add('saree', 'साड़ी', 'साडी');
add('kurta', 'कुर्ता');
add('shirt', 'शर्ट', 'कमीज');
add('gift', 'गिफ्ट', 'तोहफा', 'तोहफ़ा', 'उपहार');
add('kitchen', 'किचन', 'रसोई');
add('kids', 'बच्चों', 'बच्चे', 'बच्चा');
add('mom', 'मम्मी', 'माँ', 'मां');
add('dad', 'पापा', 'पिताजी');
add('under', 'अंदर', 'नीचे', 'कम');
add('rupees', 'रुपये', 'रुपए', 'रुपया');
add('want', 'चाहता', 'चाहती');
add('buy', 'खरीदना', 'ख़रीदना', 'लेना');
add('shipping', 'शिपिंग');
add('charges', 'चार्ज', 'चार्जेस', 'शुल्क');
add('free', 'फ्री', 'फ़्री', 'मुफ्त', 'मुफ़्त');
add('track', 'ट्रैक');
add('status', 'स्टेटस');
add('agent', 'एजेंट');
add('customer', 'कस्टमर', 'ग्राहक');
add('care', 'केयर');
add('invoice', 'इनवॉइस', 'इनवॉयस');
add('bill', 'बिल');
add('gst', 'जीएसटी');
add('account', 'अकाउंट', 'खाता');
add('password', 'पासवर्ड');
add('address', 'एड्रेस', 'पता');
add('pincode', 'पिनकोड');
add('coupon', 'कूपन');
add('offer', 'ऑफर', 'ऑफ़र');
add('discount', 'डिस्काउंट', 'छूट');
add('size', 'साइज़', 'साइज');
add('colour', 'कलर', 'रंग');
add('price', 'प्राइस', 'कीमत', 'दाम');
add('stock', 'स्टॉक');
add('item', 'सामान', 'आइटम');
add('parcel', 'पार्सल');
add('courier', 'कूरियर');
add('pickup', 'पिकअप');
add('damaged', 'खराब', 'ख़राब');
add('broken', 'टूटा', 'टूटी', 'टूटे');
add('wrong', 'गलत', 'ग़लत');
add('new', 'नया', 'नई', 'नए');
add('good', 'अच्छा', 'अच्छी', 'अच्छे');
add('thanks', 'धन्यवाद', 'शुक्रिया');
add('hello', 'नमस्ते', 'नमस्कार', 'हेलो', 'हैलो');
add('yes', 'हाँ', 'हां');
add('ok', 'ठीक', 'ओके');
add('person', 'व्यक्ति');
add('you', 'आप', 'आपका', 'आपकी', 'आपके');
add('this', 'इस', 'इसका', 'इसकी');
add('days', 'दिन', 'दिनों');
add('and', 'और');
add('also', 'भी');
add('', 'से');
add('for', 'लिए');
// Romanised Hindi, for bot/hinglish.ts to gloss.
add('kya', 'क्या');
add('hai', 'है', 'हैं');
add('kab', 'कब');
add('tak', 'तक');
add('kahan', 'कहाँ', 'कहां');
add('kitna', 'कितना', 'कितने', 'कितनी');
add('kaise', 'कैसे', 'कैसा', 'कैसी');
add('kyun', 'क्यों', 'क्यूं');
add('mera', 'मेरा', 'मेरी', 'मेरे');
add('mujhe', 'मुझे', 'मुझको');
add('chahiye', 'चाहिए', 'चाहिये');
add('nahi', 'नहीं', 'नही');
add('aaya', 'आया', 'आई', 'मिला', 'मिली');
add('aayega', 'आएगा', 'आयेगा', 'आएगी', 'मिलेगा', 'मिलेगी', 'पहुंचेगा', 'पहुँचेगा');
add('wapas', 'वापस');
add('paise', 'पैसे', 'पैसा');
add('koi', 'कोई', 'किसी');
add('mein', 'में');
add('insaan', 'इंसान');
add('baat', 'बात');
add('karni', 'करनी', 'करना', 'करें', 'करो', 'कराओ', 'करवाओ', 'कर');
add('sakte', 'सकते', 'सकता', 'सकती');
add('dikhao', 'दिखाओ', 'दिखाइए', 'दिखाइये');
add('batao', 'बताओ', 'बताइए', 'बताइये');
add('sasta', 'सस्ता', 'सस्ते', 'सस्ती');
add('mehenga', 'महंगा', 'महँगा');
add('abhi', 'अभी');
add('ho', 'हो', 'होगा', 'होगी');
add('ji', 'जी');
add('bhai', 'भाई');
// Grammar words that carry nothing here.
add('', 'के', 'का', 'की', 'को', 'ने', 'गया', 'गई', 'था', 'थी', 'यह', 'ये', 'वह', 'तो', 'रहा', 'रही', 'रहे', 'एक', 'प्लीज़', 'प्लीज', 'कृपया');

/** A budget comes before its postposition in Hindi: "2000 रुपये के अंदर" is "under 2000". */
const BUDGET = /(\d[\d,.]*\s*(?:k|हज़ार|हजार)?)\s*(?:रुपये|रुपए|रुपया|रु\.?)?\s*(?:के\s+)?(?:अंदर|भीतर|तक|से\s+कम|से\s+नीचे)/gu;

/**
 * The message with its Devanagari words in Latin letters (English shop words, romanised Hindi);
 * null when it has no Devanagari, or when fewer than three in four of its Devanagari words are known.
 */
export function romaniseHindi(text: string): string | null {
  const words = text.replace(BUDGET, '').match(/[\p{Script=Devanagari}\u200c\u200d]+/gu) ?? [];
  if (words.length === 0) return null;
  const known = words.filter((w) => WORDS[w.replace(/[।॥]/g, '')] !== undefined);
  if (known.length / words.length < 0.75 || !known.some((w) => WORDS[w.replace(/[।॥]/g, '')])) return null;
  const out = text
    .replace(BUDGET, (_, n: string) => `under ${n.replace(/\s*(?:हज़ार|हजार)$/u, 'k')}`)
    .replace(/[।॥]/g, '.')
    .replace(/[\p{Script=Devanagari}\u200c\u200d]+/gu, (w) => WORDS[w] ?? w)
    .replace(/\s+/g, ' ')
    .replace(/\s+([?.!,])/g, '$1')
    .trim();
  return /[a-z]/i.test(out) ? out : null;
}
