// Word lists for the name detector of redact.ts. Written by hand for this project (no external
// source; CC0 like the rest of the redaction fixtures): common first names of India (all regions,
// Hindu, Muslim, Sikh, Christian, Parsi) and common English first names, and common Indian surnames.
// All lower case. A name that is also an ordinary English word, a brand or a deity (products are
// named after them: "Usha fan", "Peter England shirt", "Ganesh idol", "Pooja thali") is in
// AMBIGUOUS_FIRST_NAMES and is taken only where the wording says it is a name ("Hi Pooja", "Mr.
// Will", "Usha ji", "this is Grace").

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** First names taken wherever they are capitalized, and in lower case where the wording gives them away. */
export const FIRST_NAMES: ReadonlySet<string> = new Set(
  words(`
aadhya aadya aahana aakash aamir aanya aarav aarohi aarti aarush aashish aashna aayush abdul abha abhay abhijit abhijeet abhilash
abhinav abhishek abid achyut adarsh adil aditi aditya adnan afreen afsana afzal agastya ahmed ahana aishwarya ajay ajit ajith akanksha
akash akhil akhilesh akshara akshay akshita alok alisha alka amala aman amar amarnath ambika ameena amir amit amita amitabh amrita amruta
amrutha anagha anamika anand ananya anant ananth anil anirudh anita anjali anjana anjum ankit ankita ankur anmol annapurna anoop anshul
anshika antara anu anuj anupam anupama anuradha anurag anushka anusha anwar apoorva aparna arati archana arif arjun arnav arpita arti
arun aruna arundhati arvind aryan asha ashish ashok ashwin ashwini asif asim aslam asmita atul avani avinash ayaan ayan ayesha azhar
babita babu balaji balu bhagyashree bharat bharath bharti bhaskar bhavana bhavesh bhavna bhavya bhumika bimal binod bipin bishnu bobby
brijesh chaitanya chaitra chanchal chandan chandana chandra chandrakant chandrika charan charu chetan chetana chinmay chirag chitra daksh
darshan darshana deepa deepak deepali deepika deepti dev devansh devendra devi devika dhanush dharmendra dhruv dilip dimple dinesh disha
divya divyanka durgesh ekta eshaan esha farah farhan farida farooq faisal fatima fazal firoz gagan gajendra ganesh gargi gaurav gauri gautam
gayatri geeta geetha girish gita gopal gopi govind gulshan gunjan gurpreet gurdeep gurmeet hamid hansa hardik hari harish harpreet harsh
harsha harshad harshit harshita hasan heena hema hemant hemanth himanshu hina hitesh huma ibrahim imran inder indira indu irfan isha
ishaan ishan ishita ishaq ismail jagdish jai jaideep jaspreet jatin javed jaya jayant jayanti jayashree jayesh jeevan jignesh jitendra
jyoti kabir kajal kalpana kalyan kamal kamala kamini kamlesh kanika kannan kapil karan kareena karthik karthika kartik kavita kavitha
kavya kavyanjali keshav ketan khushi kiran kishore komal krish krishna kritika kunal kuldeep kumar kumari lakshmi lalit lalita lalitha
latha lata laxmi leela lokesh madhav madhavi madhu madhuri mahendra mahesh mahima malini mamata mamta manali manasi manish manisha manjula
manju manoj manpreet mansi mayank mayur meena meenakshi meera megha meghna mehul mihir minal mitali mohan mohammed mohammad mohd mohini
mohit monika mridula mukesh mukul murali muskan nadeem nagesh naina namita namrata nandini nandita narayan narendra naresh naseem naveen
navin navya nayana neelam neeraj neetu neha nidhi nikhil nikita nilesh nimisha nirmal nirmala nisha nishant nitin nitya niyati noor
omkar pallavi pankaj param paras parth parul parveen pavan pawan payal pooja poonam pradeep prakash pramod pranav pranali prashant
prasad prateek pratik pratibha praveen preeti prem prerna prithvi priti priya priyanka puneet punit pushpa rachana rachna radha
radhika raghav raghu rahul raj rajan rajat rajeev rajendra rajesh rajiv rajni raju rakesh rakhi ram rama ramesh ramu rana rani ranjan
ranjit ranjana rashmi rashid ravi ravindra rehana rekha renu reshma revathi rishabh rishi ritesh ritika ritu riya rohan rohini rohit
ronak roopa roshan roshni ruby rucha ruchi rukhsar rupa rupali sachin sadhana sahil sai saif sajid sakshi salim salman sameer samir
sana sandeep sandhya sangeeta sangita sanjana sanjay sanjeev santosh sapna sarita saritha saroj saroja sarika sarla satish satya
saurabh savita seema shabana shahid shahrukh shailesh shalini shankar sharad sharmila shashank shashi shekhar shikha shilpa shiv
shivam shivani shobha shraddha shreya shruti shubham shweta siddharth sidharth simran smita sneha snehal sonal sonali sonam sonia
soumya sourabh srikanth srinivas sriram subhash sudha sudhir sudeep sujata sujatha suman sumit sumita sunaina sundar sunil sunita
supriya suraj surbhi suresh surya sushant sushma suvarna swapna swara swati sweta tabassum tanmay tanuja tanvi tanya tarun tejas
tejaswini trisha tushar uday ujjwal umesh urmila usha utkarsh vaibhav vaishali vaishnavi vandana varsha varun vasant vedant venkat
venkatesh vidya vijay vijaya vikas vikram vimal vinay vineet vinod vinita vipin vipul viraj virat vishal vishnu vivek yamini yash
yashwant yogesh yogita yusuf zaheer zainab zara zeenat zoya
abhiram ajinkya akshata amol anagh aniket ankush bhushan chinmayi ganesh hrishikesh jayashri ketaki madhura mrunal niranjan pratiksha
rutuja sagar sayali shrikant suhas sushil tanaya tejal vrushali
anbu arasu bala devaraj ezhil ilango jeeva kalai kathir lavanya malar murugan nithya pandian parvathi poornima prabhu priyadarshini
ragini rajalakshmi ramya sangeetha saranya selvi senthil sathish shanthi sivakumar subramani sundari tamilselvi thilak vani vasanthi
vignesh yamuna
anitha arathi ashwath bhargav chandrashekar damodar gowri harini kalyani keerthi madhavan nagaraj padma prabhakar raghavendra
ranganath sharath shwetha sindhu sowmya srinath suma sunitha vasudha vinutha
abhirami aiswarya anjitha arathy ashwathy bindu deepthi dhanya jisha jithin lekha manju neethu nimmy praveena reshmi sajan sanal
sreeja sreekumar sumesh vineetha vishnupriya
anirban arindam arpan debashis debjani indrani mithun moumita paramita partha payel rituparna sayan soumen sourav subhajit sudipta
suparna tanushree tapas
bhavin dhaval falguni hetal jignasa kinjal mitesh nirav parag pinal pratham rushabh sejal urvi
amandeep amarjeet baljeet balwinder gurleen harjeet harleen jasleen jasmeet jaswinder kanwal kuljeet kulwinder navjot navneet
paramjeet rupinder sukhwinder tejinder
aisha alia arshad asma bilal danish faiz faizan farida firdaus ghazala hamza hussain imtiaz irshad jameel junaid kashif khalid mehboob
mehreen moin mumtaz nasreen nazia noorjahan parvez qasim rafiq rahim raheem rizwan rukhsana sadiq sameena shabnam shahid shaista
shakeel sharif shoaib sohail sultana tabrez tahir tanveer wasim yasmin zakir zubair
aaron abigail adam adrian agnes alan albert alex alexander alfred alice allan amanda amelia amy andrea andrew angela anna anne annie
anthony antony arthur ashley barbara benjamin bernard beth betty brian bridget caroline carl carol catherine charles charlotte chloe
christina christine christopher clara claire colin daniel david deborah dennis derek diana donald dorothy douglas edward eleanor
elizabeth ellen emily emma eric ethan evelyn fiona francis frank gary george georgina gerald gloria gordon gregory hannah harold harry
helen henry ian irene isaac isabella jacob james jane janet jason jeffrey jennifer jeremy jessica joan joanna john jonathan joseph
joshua joyce judith julia julie justin karen katherine kathleen keith kenneth kevin laura lawrence leonard linda lisa lucy margaret
maria marie martha martin mary matthew megan melissa michael michelle nancy natalie nathan neil nicholas nicole oliver olivia pamela
patricia patrick paul paula philip rachel raymond rebecca richard robert roger ronald ruth ryan samantha samuel sandra sarah scott
sean sharon simon sophia sophie stephen steven stuart susan teresa theresa thomas timothy tom tony ursula valerie vanessa victoria
vincent walter william zoe
annamma alphonsa blessy jomon jose joseph lissy mathew mercy reji saji shiny sibi sijo sunny thomas tincy tintu varghese xavier
dinshaw farokh jehangir khurshid perizad rustom zarine
`),
);

/**
 * First names that are also ordinary words, brands, deities or product names. Taken only in a name
 * slot (greeting, "my name is", title, sign-off, "ji"/"sir"), or, capitalized, where the next word
 * is not capitalized and no article comes before it ("ask Pooja who...", not "a Usha fan").
 */
export const AMBIGUOUS_FIRST_NAMES: ReadonlySet<string> = new Set(
  words(`
alexa allen amber april art august autumn bill calvin carol chandan charlotte chase crystal daisy dawn dev diya durga faith frank
ganesh ganesha ganpati gauri grace guy hanuman heena hina hope hunter iris jack jade jay joy june kajal kali kalyan krishna
lakshmi laxmi levi lily lloyd louis mark max may mercy nirma om paris parvati payal peter pooja puja radha ralph ram rama ray
raymond roger rose ruby sai saraswati shiny shiva siri sita sujata summer sunny surya sydney tata tommy usha victor victoria vimal
vishnu will xavier zara
`),
);

/** Common surnames, taken after a first name ("Priya Sharma") or after a title ("Mr. Sharma"). */
export const SURNAMES: ReadonlySet<string> = new Set(
  words(`
agarwal aggarwal agrawal ahmed ahuja ali anand arora awasthi babu bajwa balakrishnan banerjee bansal basu begum bhandari bhatt bhat
bhatia bhattacharya bhosale bose chakraborty chatterjee chaudhary chaudhari chauhan chawla chopra das dasgupta datta dave desai
deshmukh deshpande devi dhillon dixit dsouza d'souza d'costa dcosta dubey dutta fernandes gandhi ganguly garg ghosh gill goel gokhale
gowda grewal gupta hegde iyer iyengar jadhav jain jha joshi kadam kakkar kamath kapoor kaur khan khanna khurana kohli krishnan kulkarni
kumar lal mahajan malhotra malik mane mathew mathur mehta menon mishra mittal modi mohan mukherjee murthy nair naidu nambiar narayanan
nayak nigam pandey pandit panicker patel patil pawar pillai prabhu prasad qureshi rahman raghunathan rai rajan rao rathore rawat
reddy saxena sen sengupta seth sethi shah shaikh sharma shetty shukla sinha singh sood srivastava subramanian sundaram swamy tandon
thakur thomas tiwari trivedi tripathi upadhyay varma venkatesh verma vyas yadav
`),
);
