"""The built-in parent-letter templates, in English and Spanish (a district may edit them).

Placeholders in braces are filled per student (see attendly.letters.PLACEHOLDERS). A line
starting with "- " is a bullet; `{absence_dates}` alone on a line becomes one bullet per date.
Letter 1 carries every notice California Education Code 48260.5 requires.
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "es": "Español"}
TEMPLATE_LABELS = {
    "letter_1": "Letter 1 — truancy notification (EC 48260.5)",
    "letter_2": "Letter 2 — truant again (EC 48261)",
    "sart_conference": "SART conference invitation (EC 48262)",
}

_LETTER_1_EN = """\
Dear Parent or Guardian of {student_name}:

California law requires children between the ages of 6 and 18 to attend school every day. \
Under California Education Code Section 48260, a pupil who is absent from school without a \
valid excuse three full days in one school year, or tardy or absent for more than a 30-minute \
period during the school day without a valid excuse on three occasions in one school year, or \
any combination of these, is truant and must be reported to the school district.

Our records show that {student_first_name} has been truant on {truancy_occasions} occasions \
in the {academic_year} school year, on these dates:

{absence_dates}

As California Education Code Section 48260.5 requires, we notify you of the following:

1. That your child is truant.
2. That you, as the parent or guardian, are obligated to compel the attendance of your child \
at school.
3. That parents or guardians who fail to meet this obligation may be guilty of an infraction \
and subject to prosecution (Education Code Sections 48290 to 48296, including Section 48293).
4. That alternative educational programs are available in the district.
5. That you have the right to meet with appropriate school personnel to discuss solutions to \
your child's truancy.
6. That your child may be subject to prosecution under Education Code Section 48264.
7. That your child may be subject to suspension, restriction, or delay of driving privileges \
under Vehicle Code Section 13202.7.
8. That it is recommended that you accompany your child to school and attend classes with \
your child for one day.

If you believe any of these absences should be excused, or if you would like to meet with us \
to discuss how we can help, please call {school_phone}. We want {student_first_name} in \
school and succeeding every day.
"""

_LETTER_1_ES = """\
Estimado padre, madre o tutor de {student_name}:

La ley de California exige que los niños de 6 a 18 años asistan a la escuela todos los días. \
Según la Sección 48260 del Código de Educación de California, el alumno que falta a la \
escuela sin una excusa válida tres días completos en un año escolar, o que llega tarde o se \
ausenta por más de 30 minutos durante el día escolar sin una excusa válida en tres ocasiones \
en un año escolar, o cualquier combinación de ambas, se considera en ausentismo injustificado \
y debe ser reportado al distrito escolar.

Nuestros registros muestran que {student_first_name} ha tenido {truancy_occasions} ausencias \
injustificadas en el año escolar {academic_year}, en estas fechas:

{absence_dates}

Conforme a la Sección 48260.5 del Código de Educación de California, le notificamos lo \
siguiente:

1. Que su hijo(a) se encuentra en ausentismo injustificado.
2. Que usted, como padre, madre o tutor, tiene la obligación de hacer que su hijo(a) asista \
a la escuela.
3. Que los padres o tutores que no cumplan con esta obligación pueden ser culpables de una \
infracción y estar sujetos a proceso judicial (Secciones 48290 a 48296 del Código de \
Educación, incluida la Sección 48293).
4. Que el distrito ofrece programas educativos alternativos.
5. Que usted tiene derecho a reunirse con el personal escolar correspondiente para hablar de \
soluciones al ausentismo de su hijo(a).
6. Que su hijo(a) puede estar sujeto(a) a proceso judicial según la Sección 48264 del Código \
de Educación.
7. Que su hijo(a) puede estar sujeto(a) a la suspensión, restricción o aplazamiento de su \
privilegio de conducir según la Sección 13202.7 del Código de Vehículos.
8. Que se recomienda que usted acompañe a su hijo(a) a la escuela y asista a clases con él o \
ella durante un día.

Si usted cree que alguna de estas ausencias debe justificarse, o si desea reunirse con \
nosotros para hablar de cómo podemos ayudar, llame al {school_phone}. Queremos que \
{student_first_name} esté en la escuela y tenga éxito todos los días.
"""

_LETTER_2_EN = """\
Dear Parent or Guardian of {student_name}:

We wrote to you earlier this school year because {student_first_name} was truant. Under \
California Education Code Section 48261, a pupil who has once been reported as truant and is \
again absent from school without a valid excuse, or tardy, on one or more days must again be \
reported as truant. {student_first_name} now has {truancy_occasions} truancy occasions in the \
{academic_year} school year, on these dates:

{absence_dates}

We remind you that you are obligated to compel your child's attendance at school, that \
parents or guardians who fail to meet this obligation may be guilty of an infraction and \
subject to prosecution (Education Code Section 48293), and that your child may be subject to \
prosecution (Education Code Section 48264) and to suspension, restriction, or delay of \
driving privileges (Vehicle Code Section 13202.7). Alternative educational programs are \
available in the district, and you have the right to meet with school staff to discuss \
solutions.

Please call {school_phone} within five school days to talk with us. If the absences continue, \
the school will ask you and {student_first_name} to attend a School Attendance Review Team \
(SART) meeting, and may refer {student_first_name} to the School Attendance Review Board \
(SARB).
"""

_LETTER_2_ES = """\
Estimado padre, madre o tutor de {student_name}:

Le escribimos antes en este año escolar porque {student_first_name} tenía ausencias \
injustificadas. Según la Sección 48261 del Código de Educación de California, el alumno que ya \
fue reportado por ausentismo injustificado y que vuelve a faltar sin una excusa válida, o a \
llegar tarde, uno o más días, debe ser reportado de nuevo. {student_first_name} tiene ahora \
{truancy_occasions} ausencias injustificadas en el año escolar {academic_year}, en estas \
fechas:

{absence_dates}

Le recordamos que usted tiene la obligación de hacer que su hijo(a) asista a la escuela, que \
los padres o tutores que no cumplan con esta obligación pueden ser culpables de una infracción \
y estar sujetos a proceso judicial (Sección 48293 del Código de Educación), y que su hijo(a) \
puede estar sujeto(a) a proceso judicial (Sección 48264 del Código de Educación) y a la \
suspensión, restricción o aplazamiento de su privilegio de conducir (Sección 13202.7 del \
Código de Vehículos). El distrito ofrece programas educativos alternativos, y usted tiene \
derecho a reunirse con el personal escolar para hablar de soluciones.

Por favor llame al {school_phone} dentro de cinco días escolares para hablar con nosotros. Si \
las ausencias continúan, la escuela les pedirá a usted y a {student_first_name} que asistan a \
una reunión del Equipo de Revisión de Asistencia Escolar (SART), y podrá remitir a \
{student_first_name} a la Junta de Revisión de Asistencia Escolar (SARB).
"""

_SART_EN = """\
Dear Parent or Guardian of {student_name}:

{student_first_name} has been reported as truant {truancy_occasions} times in the \
{academic_year} school year, on these dates:

{absence_dates}

Under California Education Code Section 48262, a pupil reported as truant three or more times \
in one school year is a habitual truant once the school has made a conscientious effort to \
hold at least one conference with the parent or guardian and the pupil. We invite you and \
{student_first_name} to a School Attendance Review Team (SART) conference to understand what \
is keeping {student_first_name} from school and to agree on a plan together.

Please call {school_phone} to schedule the conference. You have the right to meet with school \
staff to discuss solutions, and alternative educational programs are available in the \
district. If the truancy continues after the conference, the school may refer \
{student_first_name} to the School Attendance Review Board (SARB) under Education Code \
Section 48263.
"""

_SART_ES = """\
Estimado padre, madre o tutor de {student_name}:

{student_first_name} ha sido reportado(a) por ausentismo injustificado {truancy_occasions} \
veces en el año escolar {academic_year}, en estas fechas:

{absence_dates}

Según la Sección 48262 del Código de Educación de California, el alumno reportado por \
ausentismo injustificado tres o más veces en un año escolar se considera ausente habitual una \
vez que la escuela ha hecho un esfuerzo consciente por celebrar al menos una reunión con el \
padre, la madre o el tutor y con el alumno. Los invitamos a usted y a {student_first_name} a \
una reunión del Equipo de Revisión de Asistencia Escolar (SART) para entender qué impide que \
{student_first_name} asista a la escuela y acordar juntos un plan.

Por favor llame al {school_phone} para programar la reunión. Usted tiene derecho a reunirse \
con el personal escolar para hablar de soluciones, y el distrito ofrece programas educativos \
alternativos. Si el ausentismo continúa después de la reunión, la escuela podrá remitir a \
{student_first_name} a la Junta de Revisión de Asistencia Escolar (SARB) según la Sección \
48263 del Código de Educación.
"""

DEFAULT_TEMPLATES: dict[tuple[str, str], tuple[str, str]] = {
    ("letter_1", "en"): ("Notification of truancy", _LETTER_1_EN),
    ("letter_1", "es"): ("Notificación de ausentismo injustificado", _LETTER_1_ES),
    ("letter_2", "en"): ("Second notification of truancy", _LETTER_2_EN),
    ("letter_2", "es"): ("Segunda notificación de ausentismo injustificado", _LETTER_2_ES),
    ("sart_conference", "en"): ("Invitation to a SART conference", _SART_EN),
    ("sart_conference", "es"): ("Invitación a una reunión del SART", _SART_ES),
}

# Words the letter frame needs in each language (greeting lines come from the templates).
FRAME_WORDS = {
    "en": {
        "sincerely": "Sincerely,",
        "student": "Student",
        "grade": "Grade",
        "subject": "Subject",
        "full_day": "unexcused absence, full day",
        "part_day": "unexcused absence or tardy over 30 minutes, part of the day",
    },
    "es": {
        "sincerely": "Atentamente,",
        "student": "Alumno(a)",
        "grade": "Grado",
        "subject": "Asunto",
        "full_day": "ausencia injustificada, día completo",
        "part_day": "ausencia injustificada o tardanza de más de 30 minutos, parte del día",
    },
}
